"""The FastAPI app: REST API, webhooks and health. Mounted into Reflex, also runnable alone."""

from __future__ import annotations

from fastapi import FastAPI

from campaign_dashboard import __version__
from campaign_dashboard.api import metrics
from campaign_dashboard.api.audit import install_audit
from campaign_dashboard.api.errors import install_error_handlers
from campaign_dashboard.api.routers import (
    contacts,
    email_campaigns,
    health,
    readiness,
    segments,
    session,
    sms_campaigns,
    templates,
)
from campaign_dashboard.api.webhooks import resend, twilio, unsubscribe

# Webhooks first: routes are matched in order and providers call them far more often than
# anyone calls the REST API (matching ~50 REST routes first cost a visible share of a webhook).
ROUTERS = (
    resend.router,
    twilio.router,
    unsubscribe.router,
    health.router,
    readiness.router,
    metrics.router,
    session.router,
    contacts.router,
    segments.router,
    templates.router,
    email_campaigns.router,
    sms_campaigns.router,
)


def create_api() -> FastAPI:
    """A fresh app instance (Reflex mounts itself inside the one it is given)."""
    app = FastAPI(
        title="campaign_dashboard API",
        version=__version__,
        openapi_url="/api/openapi.json",
        docs_url="/api/docs",
        redoc_url=None,
    )
    install_error_handlers(app)
    install_audit(app)
    for router in ROUTERS:
        app.include_router(router)
    return app
