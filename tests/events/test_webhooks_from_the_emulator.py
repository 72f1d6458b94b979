"""The whole loop with real processes: workers send through the emulator, the emulator's signed
webhooks come back to the app process, and the campaign numbers move to exactly what happened.

The emulator fires each message's events the moment it accepts it, so many arrive before the
worker has committed the `sent_emails` row: they are dead-lettered and the worker's tick applies
them once the row exists. The counters must still end exact, with no letter left behind."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from campaign_dashboard.models import (
    Channel,
    DeadLetterEvent,
    EmailCampaign,
    EmailCampaignRecipient,
    SmsCampaign,
    SmsCampaignRecipient,
)
from tests.helpers.processes import configure_emulator, emulator_stats
from tests.helpers.sending import add_contacts, ledger, make_campaign, start

# the emulator posts its webhooks to the web app
pytestmark = [pytest.mark.xdist_group("sending"), pytest.mark.emulator_webhooks]

EMAILS = 300  # contacts, each with an email address and a phone number


def wait_for(read, expected, timeout: float = 180):
    deadline = time.monotonic() + timeout
    while (value := read()) != expected and time.monotonic() < deadline:
        time.sleep(0.5)
    return value


def test_the_emulators_webhooks_move_the_numbers_of_sending_campaigns(app_env, emulator, workers, engine):
    # Every email is delivered and opened, every SMS delivered; events follow acceptance at once.
    configure_emulator(
        emulator,
        bounce_rate=0,
        open_rate=1,
        proxy_open_rate=0,
        click_rate=0,
        reply_rate=0,
        unsubscribe_rate=0,
        complaint_rate=0,
        webhook_delay_ms=0,
    )
    add_contacts(engine, EMAILS)
    email_id = make_campaign(engine, Channel.EMAIL)
    sms_id = make_campaign(engine, Channel.SMS)
    workers.start(1)
    start(engine, Channel.EMAIL, email_id)
    start(engine, Channel.SMS, sms_id)

    def numbers():
        with Session(engine) as session:
            email, sms = session.get(EmailCampaign, email_id), session.get(SmsCampaign, sms_id)
            return {
                "email": (email.status, email.sent, email.delivered, email.opened, email.unique_opens),
                "sms": (sms.status, sms.sent, sms.delivered),
                "dead_letters": session.scalar(sa.select(sa.func.count()).select_from(DeadLetterEvent)),
            }

    expected = {"email": ("sent", EMAILS, EMAILS, EMAILS, EMAILS), "sms": ("sent", EMAILS, EMAILS), "dead_letters": 0}
    got = wait_for(numbers, expected)
    if got != expected:  # say where it stopped: the provider's view and both recipient ledgers
        with Session(engine) as session:
            recipients = (session.get(EmailCampaign, email_id).recipients, session.get(SmsCampaign, sms_id).recipients)
        ledgers = (ledger(engine, Channel.EMAIL, email_id), ledger(engine, Channel.SMS, sms_id))
        pytest.fail(f"{got} != {expected}; recipients {recipients}, ledgers {ledgers}, {emulator_stats(emulator)}")
    with Session(engine) as session:
        assert set(
            session.exec(select(EmailCampaignRecipient.status).where(EmailCampaignRecipient.campaign_id == email_id))
        ) == {"opened"}
        assert set(
            session.exec(select(SmsCampaignRecipient.status).where(SmsCampaignRecipient.campaign_id == sms_id))
        ) == {"delivered"}
    stats = emulator_stats(emulator)
    assert stats["webhook_failures"] == 0 and stats["webhooks_dropped"] == 0
