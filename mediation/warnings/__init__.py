"""Early warning: rules, alerts that climb the tiers, the sweep, the scheduler, notifications."""
