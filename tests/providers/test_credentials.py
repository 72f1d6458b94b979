"""The settings page's "credentials valid?" check, through the real SDKs against a real emulator process."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import pytest

from campaign_dashboard.config import EMULATOR_RESEND_KEY, EMULATOR_TWILIO_SID, EMULATOR_TWILIO_TOKEN
from campaign_dashboard.devtools.bench.processes import free_port
from campaign_dashboard.providers.resend_email import ResendEmailProvider
from campaign_dashboard.providers.twilio_sms import TwilioSmsProvider


@pytest.fixture(scope="module")
def emulator_url() -> Iterator[str]:
    """`campaign-dashboard emulator` as its own process, with the default emulator credentials."""
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "campaign_dashboard", "emulator", "--port", str(port), "--no-webhooks"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"{url}/_emulator/health").raise_for_status()
                break
            except httpx.TransportError:
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"the emulator did not start: {process.stderr.read().decode()[-2000:]}")
                time.sleep(0.1)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture
def nowhere() -> str:
    """An address where nothing listens."""
    return f"http://127.0.0.1:{free_port()}"


def test_resend_accepts_the_right_key(emulator_url):
    check = ResendEmailProvider(api_key=EMULATOR_RESEND_KEY, api_url=emulator_url).check_credentials()
    assert (check.outcome, check.message) == ("valid", "Resend accepted the API key.")


def test_resend_refuses_a_wrong_key_with_its_own_message(emulator_url):
    check = ResendEmailProvider(api_key="re_wrong_key", api_url=emulator_url).check_credentials()
    assert check.outcome == "invalid"
    assert check.message == "Resend 403 invalid_api_key: API key is invalid"


def test_resend_refuses_a_missing_key(emulator_url):
    check = ResendEmailProvider(api_key="", api_url=emulator_url).check_credentials()
    assert check.outcome == "invalid"
    assert "401 missing_api_key" in check.message


def test_twilio_accepts_the_right_sid_and_token(emulator_url):
    provider = TwilioSmsProvider(
        account_sid=EMULATOR_TWILIO_SID, auth_token=EMULATOR_TWILIO_TOKEN, api_url=emulator_url
    )
    check = provider.check_credentials()
    assert check.outcome == "valid"
    assert check.message == "Twilio accepted the credentials: account 'Provider emulator' (active, Full)."


@pytest.mark.parametrize(
    ("sid", "token"),
    [(EMULATOR_TWILIO_SID, "wrong-token"), ("AC" + "1" * 32, EMULATOR_TWILIO_TOKEN)],
    ids=["wrong token", "wrong sid"],
)
def test_twilio_refuses_a_wrong_token_or_sid(emulator_url, sid, token):
    check = TwilioSmsProvider(account_sid=sid, auth_token=token, api_url=emulator_url).check_credentials()
    assert check.outcome == "invalid"
    assert check.message.startswith("Twilio 401/20003: ")


def test_an_unreachable_provider_says_nothing_about_the_credentials(nowhere):
    resend_check = ResendEmailProvider(api_key=EMULATOR_RESEND_KEY, api_url=nowhere).check_credentials()
    twilio_check = TwilioSmsProvider(
        account_sid=EMULATOR_TWILIO_SID, auth_token=EMULATOR_TWILIO_TOKEN, api_url=nowhere, timeout=5
    ).check_credentials()
    assert resend_check.outcome == twilio_check.outcome == "unknown"
    assert nowhere in resend_check.message
    assert nowhere in twilio_check.message
