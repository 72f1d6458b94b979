"""Our Twilio adapter and the emulator, held to Twilio's official OpenAPI (twilio/twilio-oai) and,
for the callbacks it does not describe, to Twilio's documented parameters (`twilio.webhooks.json`)."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from campaign_dashboard.config import EMULATOR_TWILIO_SID, EMULATOR_TWILIO_TOKEN
from campaign_dashboard.emulator import create_emulator_app, running
from campaign_dashboard.models import utcnow
from campaign_dashboard.providers.base import OutgoingSms
from campaign_dashboard.providers.twilio_sms import TwilioSmsProvider
from tests.contracts.spec import Recorder, callback_problems, operation, problems, resolve
from tests.helpers.emulator import QUIET_WORLD, Received, receiver_app

HERE = Path(__file__).parent


@pytest.fixture
def recorded() -> Iterator[tuple[str, Recorder]]:
    recorder = Recorder(create_emulator_app({**QUIET_WORLD, "webhooks": False}))
    with running(recorder) as url:
        yield url, recorder


def check(exchange) -> list[str]:
    pointer = operation("twilio", exchange.method, exchange.path)
    if pointer is None:
        return [f"{exchange.method} {exchange.path}: not an operation of Twilio's API"]
    op = resolve("twilio", pointer)
    found = []
    if "requestBody" in op:
        found += [
            f"{exchange.method} request {p}"
            for p in problems(
                "twilio",
                pointer + "/requestBody/content/application~1x-www-form-urlencoded/schema",
                exchange.request_body(),
            )
        ]
    status = str(exchange.status)
    if status.startswith("2"):
        if status not in op["responses"]:
            return [*found, f"{exchange.method} {exchange.path}: answered {status}, spec says {list(op['responses'])}"]
        found += [
            f"{exchange.method} {exchange.path} response {p}"
            for p in problems(
                "twilio", pointer + f"/responses/{status}/content/application~1json/schema", exchange.response_body()
            )
        ]
    return found


def test_every_request_our_twilio_adapter_sends_and_every_answer_match_the_spec(recorded):
    url, recorder = recorded
    sms = TwilioSmsProvider(account_sid=EMULATOR_TWILIO_SID, auth_token=EMULATOR_TWILIO_TOKEN, api_url=url)
    since = utcnow() - timedelta(minutes=5)
    sent = sms.send(
        OutgoingSms(
            to="+14155550100",
            body="Hi",
            from_number="+15005550006",
            status_callback="https://app.example.com/webhooks/twilio/status?campaign=1&recipient=1",
        )
    )
    assert sent.accepted
    assert sms.send(OutgoingSms(to="+14155550101", body="Hi", messaging_service_sid="MG" + "0" * 32)).accepted
    assert sms.find_sent(to="+14155550100", body="Hi", since=since) == sent.provider_message_id
    assert sms.check_credentials().outcome == "valid"
    methods = {(e.method, e.path.rsplit("/", 1)[1]) for e in recorder.exchanges}
    assert {("POST", "Messages.json"), ("GET", "Messages.json"), ("GET", f"{EMULATOR_TWILIO_SID}.json")} <= methods
    assert [p for e in recorder.exchanges for p in check(e)] == []


@pytest.fixture
def world() -> Iterator[tuple[str, str, Received]]:
    received = Received()
    with running(receiver_app(received)) as receiver:
        config = {**QUIET_WORLD, "webhook_url": receiver, "reply_rate": 1}
        with running(create_emulator_app(config)) as url:
            yield url, receiver, received


def test_the_emulators_status_callbacks_and_inbound_messages_carry_only_documented_parameters(world):
    url, receiver, received = world
    sms = TwilioSmsProvider(account_sid=EMULATOR_TWILIO_SID, auth_token=EMULATOR_TWILIO_TOKEN, api_url=url)
    callback = f"{receiver}/webhooks/twilio/status?campaign=1&recipient=1"
    sms.send(OutgoingSms(to="+14155550102", body="Hi", from_number="+15005550006", status_callback=callback))
    sms.send(OutgoingSms(to="+14155550103", body="Hi", messaging_service_sid="MG" + "1" * 32, status_callback=callback))
    received.wait_for(lambda: len(received.of("status")) >= 4 and len(received.of("inbound")) >= 2, timeout=20)
    for call, valid in received.of("status"):
        assert valid and callback_problems("status_callback", call["params"]) == [], call
    for call, valid in received.of("inbound"):
        assert valid and callback_problems("inbound", call["params"]) == [], call
