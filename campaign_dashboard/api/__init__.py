"""`campaign_dashboard.api:app` is the REST API, webhooks and health endpoints."""

from campaign_dashboard.api.app import create_api

app = create_api()

__all__ = ["app", "create_api"]
