"""The emulator's "not found" answers in the providers' own words.

Resend's error reference (https://resend.com/docs/api-reference/errors) documents a URL that is no
endpoint as `not_found` 404 "The requested endpoint does not exist." and a wrong method as
`method_not_allowed` 405 "Method is not allowed for the requested path."; for a resource that does
not exist, Resend's real answers recorded in the official Node SDK's integration tests
(resend/resend-node @ 3f6745910bfd3f308371950523d5cd1797f66b4b, `src/contacts/__recordings__/*/recording.har`)
read `{"statusCode":404,"message":"Contact not found","name":"not_found"}`. Twilio answers an unknown
resource with error 20404 "The requested resource <path> was not found".
"""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from campaign_dashboard.config import EMULATOR_RESEND_KEY
from campaign_dashboard.emulator import create_emulator_app
from tests.helpers.emulator import QUIET_WORLD

RESEND_AUTH = {"Authorization": f"Bearer {EMULATOR_RESEND_KEY}"}


@pytest.fixture
def emulator() -> TestClient:
    return TestClient(create_emulator_app({**QUIET_WORLD, "webhooks": False}))


@pytest.mark.parametrize("path", ["/domains", "/emails/x/attachments/y", "/no-such-endpoint"])
def test_a_url_that_is_no_resend_endpoint_answers_resends_documented_not_found(emulator, path):
    answer = emulator.get(path, headers=RESEND_AUTH)
    assert answer.status_code == 404
    assert answer.json() == {
        "statusCode": 404,
        "name": "not_found",
        "message": "The requested endpoint does not exist.",
    }


def test_a_wrong_method_answers_resends_documented_method_not_allowed(emulator):
    answer = emulator.delete("/emails", headers=RESEND_AUTH)
    assert (answer.status_code, answer.json()) == (
        405,
        {"statusCode": 405, "name": "method_not_allowed", "message": "Method is not allowed for the requested path."},
    )


def test_an_unknown_contact_answers_as_resend_was_recorded_answering(emulator):
    answer = emulator.get("/contacts/nobody@example.com", headers=RESEND_AUTH)
    assert (answer.status_code, answer.json()) == (
        404,
        {"statusCode": 404, "name": "not_found", "message": "Contact not found"},
    )


def test_a_url_that_is_no_twilio_resource_answers_twilios_20404(emulator):
    answer = emulator.get("/2010-04-01/Accounts/AC00000000000000000000000000000000/Calls.json")
    assert answer.status_code == 404
    assert answer.json()["code"] == 20404
    assert answer.json()["message"] == (
        "The requested resource /2010-04-01/Accounts/AC00000000000000000000000000000000/Calls.json was not found"
    )


def test_the_emulators_own_control_urls_keep_their_plain_answers(emulator):
    assert emulator.get("/_emulator/no-such-knob").json() == {"detail": "Not Found"}
