"""Send a test: one message of an unsaved campaign, rendered for the sample contact, through the
real provider adapters and SDKs to a real emulator; nothing is recorded in the database."""

from __future__ import annotations

import httpx
import pytest
from sqlalchemy import func
from sqlmodel import select

from campaign_dashboard.config import EMULATOR_RESEND_KEY, EMULATOR_TWILIO_SID, EMULATOR_TWILIO_TOKEN
from campaign_dashboard.models import EmailCampaign, EmailTemplate, SentEmail, SmsCampaign
from campaign_dashboard.providers.resend_email import ResendEmailProvider
from campaign_dashboard.providers.twilio_sms import TwilioSmsProvider
from campaign_dashboard.services.campaigns.sample_send import SampleSendFailed, send_test_email, send_test_sms
from campaign_dashboard.services.errors import ValidationFailed

DEFAULT_FROM = "Campaigns <campaigns@example.com>"
EMAIL = {
    "subject": "Hi {{ first_name }}, spring is here",
    "from_email": "Shop <news@example.com>",
    "reply_to": "help@example.com",
    "html": "<h1>Hello {{ first_name }} from {{ city | default('nowhere') }}</h1>",
}


@pytest.fixture
def email_provider(emu, send_email):  # send_email restores the SDK's globals
    return ResendEmailProvider(api_key=EMULATOR_RESEND_KEY, api_url=emu.url)


@pytest.fixture
def sms_provider(emu):
    return TwilioSmsProvider(account_sid=EMULATOR_TWILIO_SID, auth_token=EMULATOR_TWILIO_TOKEN, api_url=emu.url)


def _nothing_recorded(session) -> bool:
    tables = (EmailCampaign, SmsCampaign, SentEmail)
    return all(session.scalar(select(func.count()).select_from(t)) == 0 for t in tables)


def test_a_test_email_arrives_rendered_for_the_sample_contact(session, emu, email_provider):
    message_id = send_test_email(
        session=session, provider=email_provider, to="Me@Example.com", values=EMAIL, default_from=DEFAULT_FROM
    )

    [kept] = emu.messages(to="me@example.com")
    assert kept["id"] == message_id
    sent = kept["data"]
    assert sent["subject"] == "[Test] Hi Jane, spring is here"
    assert sent["from"] == "Shop <news@example.com>" and sent["to"] == ["me@example.com"]
    assert sent["reply_to"] == "help@example.com"
    assert sent["tags"] == [{"name": "test", "value": "true"}]
    assert "Hello Jane from Lisbon" in sent["html"] and "Hello Jane from Lisbon" in sent["text"]
    assert _nothing_recorded(session)


def test_a_test_of_a_template_campaign_uses_the_template_and_the_default_sender(session, emu, email_provider):
    template = EmailTemplate(
        name="Promo",
        subject="{{ first_name }}, a deal",
        html="<p>Deal for {{ last_name }}</p>",
        text="Deal for {{ last_name }} (text)",
    )
    session.add(template)
    session.commit()

    send_test_email(
        session=session,
        provider=email_provider,
        to="me@example.com",
        values={"template_id": template.id, "from_email": ""},
        default_from=DEFAULT_FROM,
    )

    sent = emu.messages(to="me@example.com")[0]["data"]
    assert (sent["subject"], sent["from"]) == ("[Test] Jane, a deal", DEFAULT_FROM)
    assert "Deal for Doe" in sent["html"] and sent["text"] == "Deal for Doe (text)"


@pytest.mark.parametrize(
    ("to", "values", "field"),
    [
        ("not an address", EMAIL, "test_to"),
        ("me@example.com", {**EMAIL, "subject": ""}, "subject"),
        ("me@example.com", {**EMAIL, "from_email": "nobody@"}, "from_email"),
        ("me@example.com", {**EMAIL, "html": "<p>{{ first_name </p>"}, "html"),
        ("me@example.com", {**EMAIL, "html": ""}, "template_id"),
    ],
)
def test_bad_input_is_refused_naming_the_field_and_sends_nothing(session, emu, email_provider, to, values, field):
    with pytest.raises(ValidationFailed) as refused:
        send_test_email(session=session, provider=email_provider, to=to, values=values, default_from=DEFAULT_FROM)
    assert refused.value.details[0]["field"] == field
    assert emu.stats()["accepted"] == 0


def test_a_provider_refusal_is_a_readable_error(session, emu, email_provider):
    wrong_key = ResendEmailProvider(api_key="re_not_the_right_key", api_url=emu.url)
    with pytest.raises(SampleSendFailed, match="API key"):
        send_test_email(
            session=session, provider=wrong_key, to="me@example.com", values=EMAIL, default_from=DEFAULT_FROM
        )
    assert emu.stats()["accepted"] == 0


def test_a_test_sms_is_the_body_a_recipient_would_get(session, emu, sms_provider):
    sid = send_test_sms(
        session=session,
        provider=sms_provider,
        to="+1 415 555 0199",
        values={"body": "Hi {{ first_name }}, 20% off today!", "from_number": ""},
        default_from="+15005550006",
    )

    [kept] = emu.messages(to="+14155550199")
    assert kept["id"] == sid
    assert kept["data"]["Body"] == "Hi Jane, 20% off today!" and kept["data"]["From"] == "+15005550006"
    assert _nothing_recorded(session)


def test_a_test_sms_to_a_number_that_opted_out_says_so(session, emu, sms_provider):
    httpx.post(f"{emu.url}/_emulator/opt-out", json={"number": "+14155550198"}).raise_for_status()
    with pytest.raises(SampleSendFailed, match=r"\+14155550198"):
        send_test_sms(
            session=session,
            provider=sms_provider,
            to="+14155550198",
            values={"body": "Hi"},
            default_from="+15005550006",
        )
    with pytest.raises(ValidationFailed) as refused:
        send_test_sms(
            session=session, provider=sms_provider, to="12", values={"body": "Hi"}, default_from="+15005550006"
        )
    assert refused.value.details[0]["field"] == "test_to"
