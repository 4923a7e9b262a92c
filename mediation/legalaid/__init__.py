"""Legal-aid referrals (工会法律援助): docs/worker-services.md "Legal aid"."""
