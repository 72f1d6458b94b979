"""`campaign_dashboard.api:app` is the REST API, webhooks and health endpoints."""

from campaign_dashboard.api.app import API_PREFIX, create_api

app = create_api()

__all__ = ["API_PREFIX", "app", "create_api"]
