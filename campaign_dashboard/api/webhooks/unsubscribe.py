"""The unsubscribe link: `GET /unsubscribe/{token}` opens the preference centre,
`POST /unsubscribe/{token}` unsubscribes at once (RFC 8058 one-click), and the centre's forms
`POST /unsubscribe/{token}/preferences`.

GET never changes anything (mail scanners and link previews follow links) and works every time the
link is followed. Mail clients' one-click (`List-Unsubscribe=One-Click`) POSTs to the link itself
and unsubscribes from everything on the channel, as the header promises. The signed token is the
only credential: no login; the centre's forms carry it again in a hidden field, which must match
the path (a form built for another link is refused), and a second POST is harmless. Bodies are read
with a small limit enforced on the stream, so a large or endless chunked body is refused (413)
before anything changes; a bad field is a 400 page naming it, and changes nothing.
"""

from __future__ import annotations

from html import escape
from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse
from sqlmodel import Session

from campaign_dashboard.api.webhooks import WebhookRejected, apply_in_thread, read_body
from campaign_dashboard.api.webhooks.preference_page import centre, page
from campaign_dashboard.services.audience.topics import MAX_TOPICS
from campaign_dashboard.services.errors import ValidationFailed
from campaign_dashboard.services.events import preference_centre as prefs
from campaign_dashboard.services.events.unsubscribe import apply_unsubscribe, read_unsubscribe_token
from campaign_dashboard.services.limits import MAX_ID

router = APIRouter(tags=["webhooks"])

MAX_BODY_BYTES = 4096
MAX_FORM_BYTES = 32_768
MAX_FORM_FIELDS = 2 * MAX_TOPICS + 10  # shown + topic per topic, token, action, resubscribe
ACTIONS = ("topic", "everything", "save")


def invalid_link(exc: ValidationFailed) -> HTMLResponse:
    return page("Invalid link", f"<p>{escape(exc.message)}</p>", 400)


def bad_form(field: str, message: str, status: int = 400) -> HTMLResponse:
    return page("Your choices were not saved", f'<p role="alert">{escape(field)}: {escape(message)}</p>', status)


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
async def preference_centre(token: str) -> HTMLResponse:
    try:
        target = read_unsubscribe_token(token=token)
        shown = await apply_in_thread(prefs.read_preferences, target=target)
    except ValidationFailed as exc:
        return invalid_link(exc)
    return centre(shown, token)


@router.post("/unsubscribe/{token}", response_class=HTMLResponse)
async def unsubscribe(token: str, request: Request) -> HTMLResponse:
    try:
        await read_body(request, MAX_BODY_BYTES)
    except WebhookRejected as exc:
        return page("Request too large", f"<p>{escape(exc.message)}</p>", exc.status)
    try:
        client = request.client.host if request.client else None
        await apply_in_thread(apply_unsubscribe, token=token, client_address=client)
    except ValidationFailed as exc:
        return invalid_link(exc)
    return page("Unsubscribed", "<p>You are unsubscribed. You will not receive further campaigns.</p>")


@router.post("/unsubscribe/{token}/preferences", response_class=HTMLResponse)
async def save_preferences(token: str, request: Request) -> HTMLResponse:
    try:
        body = await read_body(request, MAX_FORM_BYTES)
    except WebhookRejected as exc:
        return bad_form("form", exc.message, exc.status)
    try:
        target = read_unsubscribe_token(token=token)
    except ValidationFailed as exc:
        return invalid_link(exc)
    try:
        form = _form(body)
    except ValueError as exc:
        field, _, message = str(exc).partition(": ")
        return bad_form(field, message)
    if form["token"] != [token]:
        return bad_form("token", "this form belongs to another link; open the link from your message again")
    client = request.client.host if request.client else None
    source = prefs.source_for(token=token, target=target, client_address=client)
    action = form["action"][0]

    def apply(*, session: Session) -> tuple[prefs.Preferences, str, str]:
        notice, error = "", ""
        try:
            if action == "topic":
                name = prefs.leave_topic(session=session, target=target, source=source)
                notice = f"You are unsubscribed from {name}." if name else "This message had no topic to leave."
            elif action == "everything":
                prefs.leave_everything(session=session, target=target, source=source)
                notice = "You are unsubscribed from all campaigns. You will not receive further ones."
            else:
                prefs.save_choices(
                    session=session,
                    target=target,
                    source=source,
                    shown=form["shown"],
                    receiving=form["topic"],
                    resubscribe=form["resubscribe"] == ["1"],
                )
                notice = "Your choices are saved."
        except ValidationFailed as exc:
            session.rollback()
            if not exc.details or exc.details[0].get("field") == "token":
                raise
            error = exc.message
        return prefs.read_preferences(session=session, target=target), notice, error

    try:
        shown, notice, error = await apply_in_thread(apply)
    except ValidationFailed as exc:
        return invalid_link(exc)
    return centre(shown, token, notice=notice, error=error, status=400 if error else 200)


def _form(body: bytes) -> dict[str, list]:
    """The centre's form fields, checked: ValueError("field: why") for anything else."""
    try:
        text = body.decode("utf-8")
        pairs = parse_qsl(text, keep_blank_values=True, max_num_fields=MAX_FORM_FIELDS, errors="strict")
    except UnicodeDecodeError:
        raise ValueError("form: not UTF-8") from None
    except ValueError:
        raise ValueError(f"form: more than {MAX_FORM_FIELDS} fields") from None
    form: dict[str, list] = {"token": [], "action": [], "shown": [], "topic": [], "resubscribe": []}
    for name, value in pairs:
        if name not in form:
            raise ValueError(f"{name[:40]}: unknown field")
        form[name].append(value)
    if len(form["token"]) != 1:
        raise ValueError("token: missing")
    if len(form["action"]) != 1 or form["action"][0] not in ACTIONS:
        raise ValueError(f"action: one of {', '.join(ACTIONS)}")
    for field in ("shown", "topic"):
        ids = []
        for value in form[field]:
            if not (0 < len(value) <= 10 and value.isascii() and value.isdigit() and 1 <= int(value) <= MAX_ID):
                raise ValueError(f"{field}: not a topic id")
            ids.append(int(value))
        form[field] = ids
    if form["resubscribe"] not in ([], ["1"]):
        raise ValueError("resubscribe: 1 or absent")
    return form
