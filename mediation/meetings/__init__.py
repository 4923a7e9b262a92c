"""Joint meetings (联席会议) with the government, the courts and the employers' side, and their
action items (docs/circuit-court-and-meetings.md)."""
