"""The real twilio SDK against the emulator: create, list with filters and paging, fetch, errors."""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import requests
from twilio.base.exceptions import TwilioRestException
from twilio.http.http_client import TwilioHttpClient
from twilio.rest import Client

from campaign_dashboard.config import EMULATOR_TWILIO_SID, EMULATOR_TWILIO_TOKEN

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


def test_a_messaging_service_sends_from_a_pool_of_numbers_sticky_per_recipient(emu, twilio):
    """Like a real sender pool: several numbers, none of them the app's default TWILIO_FROM, and
    one recipient always hears from the same one (Twilio's sticky sender)."""
    service = "MG" + "1" * 32
    recipients = [f"+1555123{i:04d}" for i in range(40)]
    first = {to: twilio.messages.create(to=to, messaging_service_sid=service, body="Hi").from_ for to in recipients}
    again = {to: twilio.messages.create(to=to, messaging_service_sid=service, body="Again").from_ for to in recipients}

    assert first == again
    assert len(set(first.values())) > 1 and SENDER not in first.values()
    assert set(first.values()) <= set(emu.configure()["twilio_sender_pool"])
    to, sender = next(iter(first.items()))
    assert {m.from_ for m in twilio.messages.list(to=to, from_=sender)} == {sender}
    assert twilio.messages.list(to=to, from_=SENDER) == []


def test_the_sender_pool_is_configurable_and_must_be_e164_numbers(emu, twilio):
    emu.configure(twilio_sender_pool=["+14155550100"])
    created = twilio.messages.create(to="+15551230010", messaging_service_sid="MG" + "2" * 32, body="Hi")

    assert created.from_ == "+14155550100"
    for bad in ([], ["4155550100"], ["+1415555O100"]):
        response = httpx.post(f"{emu.url}/_emulator/config", json={"twilio_sender_pool": bad})
        assert response.status_code == 422 and "twilio_sender_pool" in response.text


def test_the_message_list_has_only_twilios_filters(emu, twilio):
    """To, From and DateSent (twilio-oai); MessagingServiceSid is a field of each message, not a
    filter, so asking for it narrows nothing and callers must filter on the field themselves."""
    twilio.messages.create(to="+15551230011", messaging_service_sid="MG" + "3" * 32, body="one")
    twilio.messages.create(to="+15551230011", from_=SENDER, body="two")
    base = f"{emu.url}/2010-04-01/Accounts/{twilio.account_sid}/Messages.json"

    listed = httpx.get(
        base,
        params={"To": "+15551230011", "MessagingServiceSid": "MG" + "3" * 32},
        auth=(twilio.username, twilio.password),
    ).json()["messages"]

    assert [m["body"] for m in listed] == ["two", "one"]
    assert [m["messaging_service_sid"] for m in listed] == [None, "MG" + "3" * 32]


def test_with_reply_latency_a_message_is_accepted_before_the_client_hears_back(emu):
    """The crash window the knob makes wide: the client gives up (or dies), the message is out."""
    emu.configure(twilio_reply_latency_ms=1500)
    impatient = Client(EMULATOR_TWILIO_SID, EMULATOR_TWILIO_TOKEN, http_client=TwilioHttpClient(timeout=0.3))
    impatient.api.base_url = emu.url

    with pytest.raises(requests.exceptions.Timeout):
        impatient.messages.create(to="+15551230012", from_=SENDER, body="Hi")
    assert emu.stats()["accepted"] == 1


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
