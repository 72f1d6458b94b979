"""Machine opens end to end: real workers send through the emulator, whose privacy proxy opens
every email the moment it is delivered and whose people open it seconds later; the signed webhooks
reach the real web app, which counts every open but only the people's as human (issue 13, item 7)."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa
from sqlmodel import Session, select

from campaign_dashboard.models import Channel, EmailCampaign, EmailEvent, SentEmail
from tests.helpers.processes import configure_emulator
from tests.helpers.sending import add_contacts, make_campaign, start, wait_for_status

pytestmark = [pytest.mark.xdist_group("sending"), pytest.mark.emulator_webhooks]

CONTACTS = 30


def test_the_emulators_proxy_opens_are_machines_and_its_readers_are_people(app_env, emulator, workers, engine):
    configure_emulator(
        emulator,
        bounce_rate=0,
        proxy_open_rate=1,  # Apple Mail Privacy Protection on every mailbox
        open_rate=1,  # and every person reads it (about 9 s later at 300 ms event gaps)
        click_rate=0,
        reply_rate=0,
        unsubscribe_rate=0,
        complaint_rate=0,
        webhook_delay_ms=300,
    )
    add_contacts(engine, CONTACTS, prefix="proxied")
    campaign_id = make_campaign(engine, Channel.EMAIL)
    workers.start(1)
    start(engine, Channel.EMAIL, campaign_id)
    assert wait_for_status(engine, EmailCampaign, campaign_id, {"sent", "failed"}) == "sent"

    def opens() -> tuple[int, int, int]:
        with Session(engine) as session:
            c = session.get(EmailCampaign, campaign_id)
            return c.opened, c.unique_opens, c.unique_human_opens

    deadline = time.monotonic() + 90
    while opens() != (2 * CONTACTS, CONTACTS, CONTACTS) and time.monotonic() < deadline:
        time.sleep(0.5)
    assert opens() == (2 * CONTACTS, CONTACTS, CONTACTS)  # every open counted, each person once

    with Session(engine) as session:
        flags = session.exec(
            select(EmailEvent.machine, sa.func.count())
            .where(EmailEvent.campaign_id == campaign_id, EmailEvent.type == "opened")
            .group_by(EmailEvent.machine)
        ).all()
        assert dict(flags) == {True: CONTACTS, False: CONTACTS}  # one proxy open and one reader each
        sent = session.exec(select(SentEmail).where(SentEmail.campaign_id == campaign_id)).all()
        # the person's open, seconds after the proxy's, is the one segments and follow-ups read
        assert all(s.human_opened_at is not None and s.human_opened_at > s.first_opened_at for s in sent)
