"""`python -m campaign_dashboard` is the `campaign-dashboard` command."""

from campaign_dashboard.cli import main

raise SystemExit(main())
