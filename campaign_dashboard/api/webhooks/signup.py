"""Public sign-up with double opt-in: `POST /signup` (JSON or a form), the hosted form
`GET /signup/form`, and the confirmation link `GET`/`POST /signup/confirm/{token}`.

No login: the form is posted from any site (the embeddable snippet), so the protections are the
service's (`services/audience/signups.py`): one neutral answer whoever the address is, a honeypot,
rate limits per client and per address shared by every process, one confirmation email per address
an hour, sent right after the answer (so its time does not tell either). A form post is answered
with a page, JSON with JSON. The link's GET only shows what will
be confirmed (mail scanners follow links); its page's POST confirms. Bodies are read with a small
limit enforced on the stream (413); a bad field is a 422 naming it and changes nothing.
"""

from __future__ import annotations

import json
import threading
from html import escape
from typing import Any
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from sqlmodel import Session
from starlette.background import BackgroundTask

from campaign_dashboard.api.errors import error_body
from campaign_dashboard.api.webhooks import WebhookRejected, apply_in_thread, read_body
from campaign_dashboard.api.webhooks.preference_page import page
from campaign_dashboard.config import get_settings
from campaign_dashboard.db import get_engine
from campaign_dashboard.models import Topic
from campaign_dashboard.ratelimit import RateLimiter, make_rate_limiter
from campaign_dashboard.services.audience import signup_confirmation as confirmation
from campaign_dashboard.services.audience import signups
from campaign_dashboard.services.audience.signup_form import HONEYPOT, signup_form_html
from campaign_dashboard.services.audience.topics import MAX_TOPICS
from campaign_dashboard.services.errors import ValidationFailed
from campaign_dashboard.services.limits import MAX_ID

router = APIRouter(tags=["signup"])

SIGNUP = "/signup"
MAX_BODY_BYTES = 16_384
MAX_FIELDS = MAX_TOPICS + 10
TEXT_FIELDS = ("email", "first_name", "phone", "sms_consent_text", HONEYPOT)
FIELDS = (*TEXT_FIELDS, "sms_consent", "topic_ids")
TICKED = ("1", "on", "true", "yes")
_lock = threading.Lock()


class BadBody(ValueError):
    def __init__(self, field: str, message: str) -> None:
        super().__init__(f"{field}: {message}")
        self.field, self.message = field, message


@router.get(SIGNUP + "/form", response_class=HTMLResponse)
async def hosted_form(topic: str = "") -> HTMLResponse:
    """A page with the embeddable form, for a topic (`?topic=<id>`) or none."""
    topic_id = int(topic) if topic.isascii() and topic.isdigit() and 0 < len(topic) <= 10 else None
    found = await apply_in_thread(_topic, topic_id=topic_id) if topic_id and topic_id <= MAX_ID else None
    if topic and found is None:
        return page("Unknown topic", "<p>topic: there is no such topic.</p>", 404)
    base_url = get_settings().public_base_url
    html = signup_form_html(base_url=base_url, topic_id=found.id, topic_name=found.name) if found else None
    html = html or signup_form_html(base_url=base_url)
    return page("Sign up", html)


def _topic(*, session: Session, topic_id: int | None) -> Topic | None:
    return session.get(Topic, topic_id) if topic_id else None


@router.post(SIGNUP)
async def sign_up(request: Request) -> Response:
    wants_json = "json" in request.headers.get("content-type", "")
    try:
        body = await read_body(request, MAX_BODY_BYTES)
        form = _json(body) if wants_json else _form(body)
    except WebhookRejected as exc:
        return _error(wants_json, exc.status, exc.code, "body", exc.message)
    except BadBody as exc:
        return _error(wants_json, 400, "bad_request", exc.field, exc.message)
    settings = get_settings()
    mailer = signups.Mailer(
        provider=_email_provider(request), from_email=settings.email_from, base_url=settings.public_base_url
    )
    limits = signups.Limits(
        per_ip_per_hour=settings.signup_per_ip_per_hour,
        per_email_per_hour=settings.signup_per_email_per_hour,
        confirm_hours=settings.signup_confirm_hours,
    )
    try:
        confirmation = await apply_in_thread(
            signups.request_signup,
            form=form,
            client_address=request.client.host if request.client else None,
            limiter=_limiter(request),
            limits=limits,
        )
    except ValidationFailed as exc:
        field = exc.details[0]["field"] if exc.details else "body"
        return _error(wants_json, 422, exc.code, field, exc.details[0]["message"] if exc.details else exc.message)
    except signups.SignupThrottled as exc:
        response = _error(wants_json, 429, exc.code, exc.details[0]["field"], exc.message)
        response.headers["Retry-After"] = str(exc.retry_after)
        return response
    answer: Response
    if wants_json:
        answer = JSONResponse({"status": "check_your_inbox", "message": signups.NEUTRAL_ANSWER})
    else:
        answer = page("Check your inbox", f'<p role="status">{escape(signups.NEUTRAL_ANSWER)}</p>')
    if confirmation is not None:  # sent right after the answer: its time tells nothing either
        answer.background = BackgroundTask(
            apply_in_thread, signups.send_confirmation, confirmation=confirmation, mailer=mailer
        )
    return answer


@router.get(SIGNUP + "/confirm/{token}", response_class=HTMLResponse)
async def confirmation_page(token: str) -> HTMLResponse:
    """What will be confirmed, and the button that confirms it: nothing changes here."""
    try:
        shown = await apply_in_thread(confirmation.read_signup, token=token)
    except confirmation.SignupLinkInvalid as exc:
        return page("Link expired", f"<p>{escape(exc.message)}</p>", 410)
    if shown.confirmed:
        return page("Already confirmed", "<p>Your subscription is confirmed. There is nothing more to do.</p>")
    parts = [f"<p>Subscribe <strong>{escape(shown.masked_email)}</strong> to our emails"]
    parts.append(f": {escape(', '.join(shown.topics))}.</p>" if shown.topics else ".</p>")
    if shown.masked_phone:
        parts.append(
            f"<p>And text messages to {escape(shown.masked_phone)}. You agreed: "
            f"<q>{escape(shown.sms_consent_text)}</q></p>"
        )
    parts.append(
        f'<form method="post" action="{SIGNUP}/confirm/{escape(token)}">'
        '<button type="submit">Confirm my subscription</button></form>'
        '<p class="muted">Did not sign up? Close this page: without the button, nothing happens.</p>'
    )
    return page("Confirm your subscription", "".join(parts))


@router.post(SIGNUP + "/confirm/{token}", response_class=HTMLResponse)
async def confirm(token: str, request: Request) -> HTMLResponse:
    try:
        await read_body(request, 4096)
    except WebhookRejected as exc:
        return page("Request too large", f"<p>{escape(exc.message)}</p>", exc.status)
    client = request.client.host if request.client else None
    try:
        done = await apply_in_thread(confirmation.confirm, token=token, client_address=client)
    except confirmation.SignupLinkInvalid as exc:
        return page("Link expired", f"<p>{escape(exc.message)}</p>", 410)
    if done.already:
        return page("Already confirmed", "<p>Your subscription is confirmed. There is nothing more to do.</p>")
    parts = []
    if done.email:
        parts.append("<p>Thank you: you are subscribed to our emails.</p>")
    elif done.email_kept_off:
        parts.append(f'<p class="notice error">{escape(done.email_kept_off)}</p>')
    if done.sms:
        parts.append("<p>You will also receive our text messages. Reply STOP to any of them to stop.</p>")
    elif done.sms_kept_off:
        parts.append(f'<p class="notice error">{escape(done.sms_kept_off)}</p>')
    title = "You are subscribed" if done.email or done.sms else "Not subscribed"
    return page(title, f'<div role="status">{"".join(parts)}</div>')


def _json(body: bytes) -> signups.SignupForm:
    try:
        data = json.loads(body or b"null")
    except (ValueError, UnicodeDecodeError):
        raise BadBody("body", "not JSON") from None
    if not isinstance(data, dict):
        raise BadBody("body", "a JSON object is expected")
    values: dict[str, Any] = {}
    for name, value in data.items():
        if name not in FIELDS:
            raise BadBody(str(name)[:40], "unknown field")
        if name in TEXT_FIELDS and not isinstance(value, str | None):
            raise BadBody(name, "a string is expected")
        if name == "sms_consent" and not isinstance(value, bool):
            raise BadBody(name, "true or false")
        if name == "topic_ids" and not isinstance(value, list):
            raise BadBody(name, "a list of topic ids is expected")
        values[name] = value
    return _signup_form(values)


def _form(body: bytes) -> signups.SignupForm:
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS, errors="strict")
    except UnicodeDecodeError:
        raise BadBody("body", "not UTF-8") from None
    except ValueError:
        raise BadBody("body", f"more than {MAX_FIELDS} fields") from None
    values: dict[str, Any] = {"topic_ids": []}
    for name, value in pairs:
        if name not in FIELDS:
            raise BadBody(name[:40], "unknown field")
        if name == "topic_ids":
            if not (value.isascii() and value.isdigit() and 0 < len(value) <= 10):
                raise BadBody(name, "not a topic id")
            values[name].append(int(value))
        elif name in values:
            raise BadBody(name, "given twice")
        elif name == "sms_consent":
            values[name] = value.strip().lower() in TICKED
        else:
            values[name] = value
    return _signup_form(values)


def _signup_form(values: dict[str, Any]) -> signups.SignupForm:
    return signups.SignupForm(
        email=values.get("email") or "",
        first_name=values.get("first_name") or "",
        phone=values.get("phone") or "",
        sms_consent=bool(values.get("sms_consent")),
        sms_consent_text=values.get("sms_consent_text") or "",
        topic_ids=values.get("topic_ids") or [],
        honeypot=values.get(HONEYPOT) or "",
    )


def _error(wants_json: bool, status: int, code: str, field: str, message: str) -> Response:
    if wants_json:
        return JSONResponse(error_body(code, f"{field}: {message}", [{"field": field, "message": message}]), status)
    return page("Not signed up", f'<p role="alert">{escape(field)}: {escape(message)}</p>', status)


def _email_provider(request: Request):
    """The app's email provider (a test may put its own on `app.state.signup_email_provider`)."""
    provider = getattr(request.app.state, "signup_email_provider", None)
    if provider is None:
        from campaign_dashboard.providers import email_provider

        provider = email_provider(get_settings())
    return provider


def _limiter(request: Request) -> RateLimiter:
    """One shared limiter per app (one Redis client), built on the first sign-up."""
    state = request.app.state
    limiter = getattr(state, "signup_limiter", None)
    if limiter is None:
        with _lock:
            limiter = getattr(state, "signup_limiter", None)
            if limiter is None:
                limiter = make_rate_limiter(redis_url=get_settings().redis_url, engine=get_engine())
                state.signup_limiter = limiter
    return limiter
