"""The workers' circuit court (职工维权流动法庭): hearing points hosted by unions in the towns and
the hearings a court or arbitration commission holds there (docs/circuit-court-and-meetings.md)."""
