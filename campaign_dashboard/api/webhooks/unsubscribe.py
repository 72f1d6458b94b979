"""`GET /unsubscribe/{token}` asks, `POST /unsubscribe/{token}` does it.

GET never changes anything (mail scanners and link previews follow links); the page's button,
and mail clients' RFC 8058 one-click (`List-Unsubscribe=One-Click`), POST to the same URL. The
signed token is the only credential: no login, no CSRF token, and a second POST is harmless.
The POST body (empty, or RFC 8058's `List-Unsubscribe=One-Click`) is not needed, but it is read
with a small limit enforced on the stream, so a large or endless chunked body is refused (413)
instead of being accepted with the unsubscribe.
"""

from __future__ import annotations

from html import escape

from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse

from campaign_dashboard.api.webhooks import WebhookRejected, apply_in_thread, read_body
from campaign_dashboard.services.errors import ValidationFailed
from campaign_dashboard.services.events.unsubscribe import (
    apply_unsubscribe,
    read_unsubscribe_token,
)

router = APIRouter(tags=["webhooks"])

MAX_BODY_BYTES = 4096

PAGE = """<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width">
<meta name="robots" content="noindex"><title>{title}</title>
<style>body{{font-family:system-ui,sans-serif;max-width:32rem;margin:4rem auto;padding:0 1rem;color:#222}}
button{{font-size:1rem;padding:.6rem 1.2rem;border:0;border-radius:.4rem;background:#222;color:#fff;cursor:pointer}}
</style></head><body><h1>{title}</h1>{body}</body></html>"""


def page(title: str, body: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(PAGE.format(title=escape(title), body=body), status)


def invalid_link(exc: ValidationFailed) -> HTMLResponse:
    return page("Invalid link", f"<p>{escape(exc.message)}</p>", 400)


@router.get("/unsubscribe/{token}", response_class=HTMLResponse)
def confirm_unsubscribe(token: str) -> HTMLResponse:
    try:
        target = read_unsubscribe_token(token=token)
    except ValidationFailed as exc:
        return invalid_link(exc)
    what = "emails" if target.channel == "email" else "text messages"
    return page(
        "Unsubscribe",
        f"<p>Stop receiving campaign {what} from us?</p>"
        f'<form method="post" action="/unsubscribe/{escape(token)}">'
        '<button type="submit">Unsubscribe</button></form>',
    )


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
