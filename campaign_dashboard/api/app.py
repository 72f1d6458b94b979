"""The FastAPI app: REST API, webhooks and health. Mounted into Reflex, also runnable alone."""

from __future__ import annotations

from fastapi import APIRouter, Depends, FastAPI
from fastapi.routing import APIRoute

from campaign_dashboard import __version__, wiring
from campaign_dashboard.api import audit, body_limit, metrics
from campaign_dashboard.api.audit import install_audit
from campaign_dashboard.api.body_limit import BodyLimit
from campaign_dashboard.api.deps import admin, current_token, refuse_nul_characters, writer
from campaign_dashboard.api.errors import error_responses, install_error_handlers
from campaign_dashboard.api.routers import (
    contacts,
    email_campaigns,
    health,
    readiness,
    segments,
    session,
    sms_campaigns,
    suppressions,
    templates,
    topics,
)
from campaign_dashboard.api.security_headers import SecurityHeaders
from campaign_dashboard.api.webhooks import resend, signup, twilio, unsubscribe
from campaign_dashboard.config import get_settings
from campaign_dashboard.services.events.received_emails import ReceivedEmailQueue

# Webhooks first: routes are matched in order and providers call them far more often than
# anyone calls the REST API (matching ~50 REST routes first cost a visible share of a webhook).
ROUTERS = (
    resend.router,
    twilio.router,
    unsubscribe.router,
    signup.router,
    health.router,
    readiness.router,
    metrics.router,
    session.router,
    contacts.router,
    suppressions.router,
    segments.router,
    templates.router,
    topics.router,
    email_campaigns.router,
    sms_campaigns.router,
    audit.router,
)
DOCS_URL = "/api/docs"


def create_api(*, received_email_queue: ReceivedEmailQueue | None = None) -> FastAPI:
    """A fresh app instance (Reflex mounts itself inside the one it is given).

    `received_email_queue` is where the Resend webhook hands `email.received` events to a worker
    (kept on `app.state`); by default the composition root's (`campaign_dashboard.wiring`), the
    Huey task, which `api` may not import itself."""
    settings = get_settings()
    docs = settings.api_docs if settings.api_docs is not None else settings.env != "production"
    app = FastAPI(
        title="campaign_dashboard API",
        version=__version__,
        openapi_url="/api/openapi.json",
        docs_url=DOCS_URL if docs else None,  # a public page: off in production unless API_DOCS=true
        swagger_ui_oauth2_redirect_url=None,
        redoc_url=None,
    )
    app.state.received_email_queue = received_email_queue or wiring.received_email_queue
    app.add_middleware(BodyLimit)
    app.add_middleware(
        SecurityHeaders, docs_path=DOCS_URL if docs else None, hsts=settings.public_base_url.startswith("https://")
    )
    install_error_handlers(app)
    install_audit(app)
    for router in ROUTERS:
        document_errors(router)
        rest = router.prefix.startswith("/api/v1")
        app.include_router(router, dependencies=[Depends(refuse_nul_characters)] if rest else None)
    return app


def document_errors(router: APIRouter) -> None:
    """Declare in the OpenAPI schema the error answers each REST route can give, read from what
    it depends on, so a new route is documented like its neighbours without anyone remembering:
    every route with inputs 422, token routes 401, writers 403 and 409, routes of one object or
    with a body 404, routes with a body 400 and 413 (see api/body_limit.py)."""
    for route in router.routes:
        if not isinstance(route, APIRoute) or not route.path.startswith("/api/v1/"):
            continue
        calls = _dependency_calls(route.dependant)
        statuses = [422]
        if current_token in calls:
            statuses.append(401)
        if writer in calls:
            statuses += [403, 409]
        if admin in calls:
            statuses.append(403)
        # a body declared by a model, or read by the route itself (the CSV upload's multipart)
        has_body = route.body_field is not None or "requestBody" in (route.openapi_extra or {})
        if has_body:
            statuses.append(400)  # a body that is not JSON (or not a form) at all
            if route.path not in body_limit.OWN_LIMIT:
                statuses.append(413)  # api/body_limit.py
        if "{" in route.path or writer in calls or has_body:
            statuses.append(404)  # the object, or one the body names (a segment, a contact)
        route.responses = {**error_responses(*statuses), **route.responses}


def _dependency_calls(dependant) -> set:
    calls = set()
    for sub in dependant.dependencies:
        calls.add(sub.call)
        calls |= _dependency_calls(sub)
    return calls
