"""campaign_dashboard: a self-hosted email (Resend) and SMS (Twilio) campaign manager."""

__version__ = "0.1.0"
