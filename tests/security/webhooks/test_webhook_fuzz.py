"""Issue 9 §5: arbitrary payloads, signed with the official libraries (svix `Webhook.sign` via
`svix_headers`, twilio `RequestValidator.compute_signature` via `post_twilio`), never produce a
5xx, and whatever the routes refuse or ignore writes nothing (whole-database snapshot).

The payloads mix the shapes Resend and Twilio document with arbitrary JSON/text in every field,
and point at a real sent email / SMS recipient often enough that the apply paths run too.
"""

from __future__ import annotations

import json
import secrets
from datetime import timedelta, timezone
from urllib.parse import urlencode

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.factories import make_contact, random_phone
from tests.helpers.events import (
    make_sent_email,
    make_sms_recipient,
    post_resend,
    post_twilio,
)
from tests.security.webhooks.snapshot import database_snapshot

FUZZ = settings(
    max_examples=80,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)

json_scalars = (
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(max_size=30)
)
json_values = st.recursive(
    json_scalars,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=12), inner, max_size=3),
    max_leaves=8,
)
timestamps = st.builds(
    lambda moment, minutes: moment.replace(tzinfo=timezone(timedelta(minutes=minutes))).isoformat(),
    st.datetimes(),
    st.integers(-14 * 60, 14 * 60),
)
RESEND_TYPES = [
    "email.sent",
    "email.delivered",
    "email.delivery_delayed",
    "email.opened",
    "email.clicked",
    "email.bounced",
    "email.complained",
    "email.failed",
    "email.suppressed",
    "email.received",
    "email.scheduled",
    "contact.created",
    "contact.updated",
    "domain.deleted",
    "suppression.added",
    "suppression.removed",
]


def resend_payloads(email_id: str, address: str):
    def field(plausible):
        return plausible | json_values

    data = st.fixed_dictionaries(
        {},
        optional={
            "email_id": field(st.just(email_id) | st.text(max_size=120)),
            "created_at": field(timestamps),
            "from": field(st.just("Ada <ada@example.com>")),
            "to": field(st.lists(st.just(address) | st.emails(), max_size=2)),
            "subject": field(st.text(max_size=30)),
            "click": field(
                st.fixed_dictionaries({"link": field(st.just("https://example.com")), "timestamp": field(timestamps)})
            ),
            "open": field(st.fixed_dictionaries({"timestamp": field(timestamps)})),
            "bounce": field(
                st.fixed_dictionaries(
                    {
                        "type": field(st.sampled_from(["Permanent", "Transient"])),
                        "subType": field(st.just("General")),
                        "message": field(st.text(max_size=20)),
                    }
                )
            ),
            "failed": field(st.fixed_dictionaries({"reason": field(st.text(max_size=20))})),
            "suppressed": field(st.fixed_dictionaries({"type": field(st.just("OnAccountSuppressionList"))})),
            "in_reply_to": field(st.text(max_size=40)),
            "references": field(st.lists(st.text(max_size=20), max_size=2)),
            "headers": field(
                st.lists(
                    st.fixed_dictionaries({"name": field(st.text(max_size=10)), "value": field(st.text(max_size=10))}),
                    max_size=2,
                )
            ),
            "email": field(st.just(address) | st.emails()),
            "origin": field(st.sampled_from(["bounce", "complaint", "manual"])),
            "id": field(st.uuids().map(str)),
        },
    )
    event = st.fixed_dictionaries(
        {"type": st.sampled_from(RESEND_TYPES) | st.text(max_size=20), "data": data | json_values},
        optional={"created_at": field(timestamps)},
    )
    return event.map(json.dumps) | json_values.map(json.dumps) | st.text(max_size=60)


@FUZZ
@given(data=st.data())
def test_arbitrary_signed_resend_events_never_5xx_and_refusals_write_nothing(data, client, session, engine):
    sent = make_sent_email(session)
    body = data.draw(resend_payloads(sent.provider_message_id, sent.to_address), label="body")
    msg_id = data.draw(st.from_regex(r"msg_[A-Za-z0-9]{1,250}", fullmatch=True), label="svix-id")
    before = database_snapshot(engine)
    response = post_resend(client, body, msg_id=msg_id)
    assert response.status_code < 500, response.text
    assert response.status_code == 200
    if response.json()["status"] == "ignored":
        assert database_snapshot(engine) == before


twilio_text = st.text(alphabet=st.characters(exclude_categories=("Cs",)), max_size=40)
TWILIO_STATUSES = [
    "queued",
    "sending",
    "sent",
    "failed",
    "delivered",
    "undelivered",
    "receiving",
    "received",
    "accepted",
    "scheduled",
    "read",
    "partially_delivered",
    "canceled",
]


def twilio_params(sid: str, phone: str):
    def field(plausible):
        return plausible | twilio_text

    known = st.fixed_dictionaries(
        {},
        optional={
            "MessageSid": field(st.just(sid) | st.just("SM" + secrets.token_hex(16))),
            "SmsSid": field(st.just(sid)),
            "MessageStatus": field(st.sampled_from(TWILIO_STATUSES)),
            "From": field(st.just(phone)),
            "To": field(st.just("+15005550006")),
            "Body": field(st.sampled_from(["STOP", "START", "YES", "HELP", "ARRET", "thanks"])),
            "OptOutType": field(st.sampled_from(["STOP", "START", "HELP"])),
            "ErrorCode": field(st.just("30006")),
        },
    )
    extra = st.dictionaries(twilio_text, twilio_text, max_size=3)
    return st.tuples(known, extra).map(lambda pair: {**pair[1], **pair[0]})


@FUZZ
@given(data=st.data())
def test_arbitrary_signed_twilio_requests_never_5xx_and_refusals_write_nothing(data, client, session, engine):
    recipient = make_sms_recipient(session, contact=make_contact(session, phone=random_phone()))
    params = data.draw(twilio_params(recipient.provider_message_id, recipient.address), label="params")
    route = data.draw(st.sampled_from(["/webhooks/twilio/status", "/webhooks/twilio/inbound"]), label="route")
    query = data.draw(
        st.dictionaries(
            st.sampled_from(["campaign", "recipient"]), st.just(str(recipient.campaign_id)) | twilio_text, max_size=2
        ),
        label="query",
    )
    path = f"{route}?{urlencode(query)}" if query else route
    before = database_snapshot(engine)
    response = post_twilio(client, path, params)
    assert response.status_code < 500, response.text
    assert response.status_code in (200, 400, 422), response.text
    if response.status_code != 200:
        assert database_snapshot(engine) == before
