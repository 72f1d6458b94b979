"""The real twilio SDK against the emulator: create, list with filters and paging, fetch, errors."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from twilio.base.exceptions import TwilioRestException
from twilio.rest import Client

SENDER = "+15005550006"


def test_a_created_message_is_counted_listed_and_fetched(emu, twilio):
    before = datetime.now(UTC) - timedelta(seconds=5)
    callback = f"{emu.receiver_url}/webhooks/twilio/status?campaign=c9&recipient=r1"
    created = twilio.messages.create(to="+15551230001", from_=SENDER, body="Hi", status_callback=callback)

    assert created.sid.startswith("SM") and created.status == "queued" and created.to == "+15551230001"
    emu.received.wait_for(lambda: len(emu.received.of("status")) == 2)  # sent, delivered
    listed = twilio.messages.list(to="+15551230001", date_sent_after=before)
    assert [m.sid for m in listed] == [created.sid]
    fetched = twilio.messages(created.sid).fetch()
    assert fetched.status == "delivered" and fetched.body == "Hi" and fetched.date_sent is not None
    stats = emu.stats()
    assert stats["accepted"] == 1 and stats["by_campaign"] == {"c9": {"accepted": 1, "duplicates": 0}}


def test_listing_filters_by_recipient_and_date_and_pages_through_everything(emu, twilio):
    for i in range(5):
        twilio.messages.create(to="+15551230002", from_=SENDER, body=f"m{i}")
    twilio.messages.create(to="+15551239999", from_=SENDER, body="other")

    assert len(twilio.messages.list(to="+15551230002", page_size=2)) == 5
    assert twilio.messages.list(to="+15551230002", date_sent_after=datetime.now(UTC) + timedelta(hours=1)) == []
    assert len(twilio.messages.list(page_size=50)) == 6


def test_a_messaging_service_send_is_accepted(emu, twilio):
    created = twilio.messages.create(to="+15551230003", messaging_service_sid="MG" + "0" * 32, body="Hi")
    assert created.status == "accepted" and created.messaging_service_sid.startswith("MG")


@pytest.mark.parametrize(
    ("to", "code"),
    [("555-1234", 21211), ("+15005550001", 21211), ("+15005550004", 21610), ("+15005550009", 21614)],
)
def test_bad_numbers_get_twilio_error_codes(emu, twilio, to, code):
    with pytest.raises(TwilioRestException) as refused:
        twilio.messages.create(to=to, from_=SENDER, body="Hi")

    assert refused.value.code == code and refused.value.status == 400
    assert emu.stats()["accepted"] == 0


def test_a_number_that_opted_out_gets_21610(emu, twilio):
    httpx.post(f"{emu.url}/_emulator/opt-out", json={"number": "+15551230004"}).raise_for_status()

    with pytest.raises(TwilioRestException) as refused:
        twilio.messages.create(to="+15551230004", from_=SENDER, body="Hi")

    assert refused.value.code == 21610


def test_over_the_per_sender_rate_the_api_answers_20429(emu, twilio):
    emu.configure(twilio_mps=2)
    twilio.messages.create(to="+15551230005", from_=SENDER, body="1")
    twilio.messages.create(to="+15551230006", from_=SENDER, body="2")

    with pytest.raises(TwilioRestException) as throttled:
        twilio.messages.create(to="+15551230007", from_=SENDER, body="3")
    twilio.messages.create(to="+15551230007", from_="+15005550010", body="other sender has its own limit")

    assert throttled.value.status == 429 and throttled.value.code == 20429
    assert emu.stats()["throttled"] == 1
    time.sleep(1.05)
    twilio.messages.create(to="+15551230007", from_=SENDER, body="3")
    assert emu.stats()["accepted"] == 4


def test_wrong_credentials_are_refused(emu):
    client = Client("AC" + "1" * 32, "wrong")
    client.api.base_url = emu.url
    with pytest.raises(TwilioRestException) as refused:
        client.messages.create(to="+15551230008", from_=SENDER, body="Hi")
    assert refused.value.status == 401 and refused.value.code == 20003


def test_injected_errors_surface_as_5xx(emu, twilio):
    emu.configure(error_rate=1.0)
    with pytest.raises(TwilioRestException) as failed:
        twilio.messages.create(to="+15551230009", from_=SENDER, body="Hi")
    assert failed.value.status == 500 and emu.stats()["accepted"] == 0
