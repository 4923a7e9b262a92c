"""The volunteer advocates' team (维权志愿者队伍): docs/worker-services.md "Advocates"."""
