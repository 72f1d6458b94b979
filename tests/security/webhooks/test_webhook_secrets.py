"""Issue 9 §2: the emulator's signing secrets are in the source, so they must never verify a
webhook when a real provider (or production) is configured; production refuses to start without
the real secrets, and SECRET_KEY must be random, not merely long.

Signatures are made with the official libraries (svix `Webhook.sign`, twilio
`RequestValidator.compute_signature`), here with the emulator's public secrets, as a forger would.
"""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from fastapi.testclient import TestClient
from pydantic import ValidationError
from sqlmodel import select

from campaign_dashboard.config import (
    EMULATOR_TWILIO_TOKEN,
    EMULATOR_WEBHOOK_SECRET,
    Settings,
)
from campaign_dashboard.models import Contact, EmailEvent, SmsEvent, Suppression
from tests.factories import make_contact, random_phone
from tests.helpers.events import (
    make_sent_email,
    post_resend,
    post_twilio,
    resend_event,
)

ROOT = Path(__file__).resolve().parents[2]


def forged_stop(client: TestClient, phone: str, token: str = EMULATOR_TWILIO_TOKEN):
    params = {"MessageSid": "SM" + secrets.token_hex(16), "From": phone, "To": "+15005550006", "Body": "STOP"}
    return post_twilio(client, "/webhooks/twilio/inbound", params, token=token)


def forged_delivery(client: TestClient, session, secret: str = EMULATOR_WEBHOOK_SECRET):
    sent = make_sent_email(session)
    return post_resend(client, resend_event("email.delivered", sent), secret=secret)


@pytest.mark.parametrize(
    "env",
    [
        {"ENV": "production"},  # no provider configured: the emulator's secrets are still refused
        {"ENV": "development", "RESEND_API_KEY": "re_live_key", "TWILIO_ACCOUNT_SID": "AC" + "1" * 32},
    ],
)
def test_webhooks_signed_with_the_emulators_secrets_are_refused_with_503(env, configure, app_client, session):
    configure(**env)
    client = app_client()
    contact = make_contact(session, phone=random_phone())

    stop = forged_stop(client, contact.phone)
    delivered = forged_delivery(client, session)

    assert stop.status_code == 503 and "TWILIO_AUTH_TOKEN" in stop.json()["error"]["message"]
    assert delivered.status_code == 503 and "RESEND_WEBHOOK_SECRET" in delivered.json()["error"]["message"]
    session.expire_all()
    assert session.get(Contact, contact.id).sms_status == "subscribed"
    assert session.exec(select(Suppression)).all() == []
    assert session.exec(select(EmailEvent)).all() == [] and session.exec(select(SmsEvent)).all() == []


def test_with_the_emulator_as_provider_outside_production_its_secrets_still_work(configure, app_client, session):
    """The emulator signs with its own secrets: `up` with no provider keys keeps working."""
    configure(ENV="development")
    client = app_client()
    contact = make_contact(session, phone=random_phone())
    assert forged_stop(client, contact.phone).status_code == 200
    assert forged_delivery(client, session).status_code == 200
    session.expire_all()
    assert session.get(Contact, contact.id).sms_status == "opted_out"


def test_real_secrets_verify_and_the_emulators_do_not(configure, app_client, session):
    real_secret, real_token = "whsec_" + "cmVhbC1zZWNyZXQtb2YtdGhpcy1hY2NvdW50LTAwMDA=", "real_token_" + "9" * 22
    configure(
        ENV="production",
        RESEND_API_KEY="re_live_key",
        RESEND_WEBHOOK_SECRET=real_secret,
        TWILIO_ACCOUNT_SID="AC" + "1" * 32,
        TWILIO_AUTH_TOKEN=real_token,
    )
    client = app_client()
    contact = make_contact(session, phone=random_phone())
    assert forged_stop(client, contact.phone).status_code == 401
    assert forged_delivery(client, session).status_code == 401
    assert forged_stop(client, contact.phone, token=real_token).status_code == 200
    assert forged_delivery(client, session, secret=real_secret).status_code == 200


@pytest.mark.parametrize(
    ("env", "variable"),
    [
        ({"RESEND_API_KEY": "re_live_key"}, "RESEND_WEBHOOK_SECRET"),
        ({"TWILIO_ACCOUNT_SID": "AC" + "1" * 32}, "TWILIO_AUTH_TOKEN"),
    ],
)
def test_production_settings_refuse_a_real_provider_without_its_signing_secret(env, variable):
    with pytest.raises(ValidationError, match=variable):
        Settings(env="production", secret_key=secrets.token_urlsafe(32), **{k.lower(): v for k, v in env.items()})


def test_the_api_refuses_to_start_in_production_without_the_signing_secret(configure, engine):
    from campaign_dashboard.api import create_api

    configure(ENV="production", RESEND_API_KEY="re_live_key")
    with pytest.raises(ValidationError, match="RESEND_WEBHOOK_SECRET"), TestClient(create_api()):
        pass


def production_env(tmp_path: Path, **provider: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("RESEND_", "TWILIO_"))}
    env.update(
        ENV="production",
        SECRET_KEY=secrets.token_urlsafe(32),
        DATA_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path}/w.db",
        PYTHONPATH=str(ROOT),
        **provider,
    )
    return env


def test_the_reflex_app_refuses_to_load_in_production_without_the_signing_secret(tmp_path):
    """The web app (`reflex run`, what `up` starts) imports this module at start-up."""
    env = production_env(tmp_path, RESEND_API_KEY="re_live_key")
    run = subprocess.run(
        [sys.executable, "-c", "import campaign_dashboard.campaign_dashboard"],
        cwd=tmp_path,
        env=env,
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode != 0
    assert "RESEND_WEBHOOK_SECRET" in run.stderr


def test_the_worker_refuses_to_start_in_production_without_the_signing_secret(tmp_path):
    env = production_env(tmp_path, TWILIO_ACCOUNT_SID="AC" + "1" * 32)
    try:
        run = subprocess.run(
            [sys.executable, "-m", "campaign_dashboard", "worker"],
            cwd=tmp_path,
            env=env,
            check=False,
            capture_output=True,
            text=True,
            timeout=60,
        )
    except subprocess.TimeoutExpired:
        pytest.fail("the worker started (and ran) without TWILIO_AUTH_TOKEN")
    assert run.returncode != 0
    assert "TWILIO_AUTH_TOKEN" in run.stderr


@pytest.mark.parametrize(
    "weak", ["a" * 32, "please-change-me-please-change-me", "0123456789" * 4, "abababababababababababababababab"]
)
def test_a_long_but_guessable_secret_key_is_refused_in_production(weak):
    with pytest.raises(ValidationError, match="SECRET_KEY is too weak"):
        Settings(env="production", secret_key=weak)


@pytest.mark.parametrize(
    "make",
    [lambda: secrets.token_urlsafe(32), lambda: secrets.token_hex(16), lambda: secrets.token_hex(32)],
    ids=["urlsafe-32", "hex-16", "hex-32"],
)
def test_a_random_secret_key_is_accepted_in_production(make):
    strong = make()  # made here, not at collection: every xdist worker must collect the same ids
    assert Settings(env="production", secret_key=strong).secret_key == strong
