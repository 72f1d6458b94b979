"""Issue 9 §6: the body limit holds on the stream, not only on Content-Length. A chunked body
(no Content-Length) over the limit is refused with 413 as soon as it passes the limit: not stored
when it is signed, and not read whole when it is not."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Iterator
from urllib.parse import urlencode

import httpx
from sqlmodel import select
from twilio.request_validator import RequestValidator

from campaign_dashboard.models import Contact, EmailEvent, SmsEvent, Suppression
from campaign_dashboard.services.events.unsubscribe import make_unsubscribe_token
from tests.factories import make_contact, random_phone
from tests.helpers.events import (
    BASE_URL,
    TWILIO_TOKEN,
    make_sent_email,
    resend_event,
    svix_headers,
)

MB = 1024 * 1024


class Chunks:
    """A request body sent chunked (an iterator has no length), counting what was read."""

    def __init__(self, data: bytes | None = None, *, total: int = 0, size: int = 64 * 1024) -> None:
        self.data, self.total, self.size, self.sent = data, total if data is None else len(data), size, 0

    def __iter__(self) -> Iterator[bytes]:
        while self.sent < self.total:
            n = min(self.size, self.total - self.sent)
            chunk = self.data[self.sent : self.sent + n] if self.data is not None else b"x" * n
            self.sent += n
            yield chunk

    async def __aiter__(self) -> AsyncIterator[bytes]:
        for chunk in self:
            yield chunk


def post_streamed(path: str, body: Chunks, headers: dict[str, str]) -> httpx.Response:
    """POST through httpx's ASGI transport, which hands the app one chunk per `receive()` (the
    TestClient reads the whole body first, which would hide a route reading it all)."""
    from campaign_dashboard.api import create_api

    async def post() -> httpx.Response:
        transport = httpx.ASGITransport(app=create_api())
        async with httpx.AsyncClient(transport=transport, base_url=BASE_URL) as http:
            return await http.post(path, content=body.__aiter__(), headers=headers)

    return asyncio.run(post())


def test_a_signed_chunked_1mb_twilio_stop_is_413_and_stores_nothing(client, session):
    contact = make_contact(session, phone=random_phone())
    params = {"MessageSid": "SMbig", "From": contact.phone, "To": "+15005550006", "Body": "STOP" + " " * MB}
    signature = RequestValidator(TWILIO_TOKEN).compute_signature(BASE_URL + "/webhooks/twilio/inbound", params)
    body = Chunks(urlencode(params).encode())
    response = client.post(
        "/webhooks/twilio/inbound",
        content=body,
        headers={"X-Twilio-Signature": signature, "content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 413
    session.expire_all()
    assert session.get(Contact, contact.id).sms_status == "subscribed"
    assert session.exec(select(SmsEvent)).all() == [] and session.exec(select(Suppression)).all() == []


def test_an_unsigned_chunked_50mb_body_is_refused_without_being_read_whole(client, session):
    for path in ("/webhooks/twilio/inbound", "/webhooks/twilio/status", "/webhooks/resend"):
        body = Chunks(total=50 * MB)
        response = post_streamed(path, body, {"content-type": "application/x-www-form-urlencoded"})
        assert response.status_code == 413, path
        assert body.sent < 2 * MB, f"{path} read {body.sent} bytes before answering"


def test_a_signed_chunked_resend_event_over_1mb_is_413_and_stores_nothing(client, session):
    sent = make_sent_email(session)
    text = json.dumps(resend_event("email.delivered", sent, padding="x" * MB))
    response = client.post("/webhooks/resend", content=Chunks(text.encode()), headers=svix_headers(text))
    assert response.status_code == 413
    assert session.exec(select(EmailEvent)).all() == []


def test_an_unsubscribe_post_with_a_chunked_oversized_body_is_413_and_changes_nothing(client, session):
    contact = make_contact(session)
    token = make_unsubscribe_token(contact_id=contact.id, channel="email", campaign_id=None)
    body = Chunks(total=50 * MB)
    response = post_streamed(f"/unsubscribe/{token}", body, {"content-type": "application/x-www-form-urlencoded"})
    assert response.status_code == 413
    assert body.sent < 2 * MB
    session.expire_all()
    assert session.get(Contact, contact.id).email_status == "subscribed"
    assert session.exec(select(Suppression)).all() == []


def test_a_sign_up_with_a_chunked_oversized_body_is_413_and_keeps_nothing(client, session):
    from campaign_dashboard.models import PendingSignup

    body = Chunks(total=50 * MB)
    for content_type in ("application/x-www-form-urlencoded", "application/json"):
        response = post_streamed("/signup", body, {"content-type": content_type})
        assert response.status_code == 413
        assert body.sent < 2 * MB
        body.sent = 0
    assert session.exec(select(PendingSignup)).all() == []


def test_the_one_click_body_still_unsubscribes(client, session):
    contact = make_contact(session)
    token = make_unsubscribe_token(contact_id=contact.id, channel="email", campaign_id=None)
    response = client.post(
        f"/unsubscribe/{token}",
        content=b"List-Unsubscribe=One-Click",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert response.status_code == 200
    session.expire_all()
    assert session.get(Contact, contact.id).email_status == "unsubscribed"
