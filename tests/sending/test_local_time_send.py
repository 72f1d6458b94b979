"""Send at a local time end to end: real workers and the emulator; a campaign "at HH:MM in each
contact's time zone" with contacts in Tokyo and New York sends nothing before each zone's turn,
stays `sending` meanwhile, sends each zone when its time comes (the clock is moved by bringing
the rows' send time to now, as time passing would), and finishes once the last zone is sent:
every recipient exactly once (issue 13, item 4)."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from campaign_dashboard.models import Channel, Contact, EmailCampaign, EmailCampaignRecipient, utcnow
from tests.helpers.processes import emulator_stats
from tests.helpers.sending import add_contacts, assert_exactly_once, ledger, make_campaign, start, wait_for_status

pytestmark = pytest.mark.xdist_group("sending")

PER_ZONE = 20
ZONES = ("Asia/Tokyo", "America/New_York")


def zone_rows(engine: sa.Engine, campaign_id: int, zone: str):
    R = EmailCampaignRecipient
    of_zone = sa.select(Contact.id).where(Contact.timezone == zone)
    return sa.and_(R.campaign_id == campaign_id, R.contact_id.in_(of_zone))


def its_turn(engine: sa.Engine, campaign_id: int, zone: str) -> None:
    """The clock reaches the zone's send time."""
    from campaign_dashboard.tasks.sending import kick

    with engine.begin() as conn:
        conn.execute(
            sa.update(EmailCampaignRecipient)
            .where(zone_rows(engine, campaign_id, zone))
            .values(not_before=utcnow() - timedelta(seconds=1))
        )
    kick("email", campaign_id)


def sent_in(engine: sa.Engine, campaign_id: int, zone: str) -> int:
    with Session(engine) as session:
        query = sa.select(sa.func.count()).where(
            zone_rows(engine, campaign_id, zone), EmailCampaignRecipient.status == "sent"
        )
        return session.scalar(query)


def wait_until(check, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.2)


def test_each_zone_is_sent_at_its_turn_and_the_campaign_finishes_after_the_last(app_env, emulator, workers, engine):
    add_contacts(engine, 2 * PER_ZONE, prefix="zoned")
    with engine.begin() as conn:  # half in Tokyo, half in New York
        for i, zone in enumerate(ZONES):
            ids = [f"zoned{n}@example.com" for n in range(i * PER_ZONE, (i + 1) * PER_ZONE)]
            conn.execute(sa.update(Contact).where(Contact.email.in_(ids)).values(timezone=zone))
    # Six hours ahead of UTC's clock: past in Tokyo (tomorrow there), ahead in New York; neither now.
    at = (utcnow() + timedelta(hours=6)).strftime("%H:%M")
    campaign_id = make_campaign(engine, Channel.EMAIL, local_send_time=at, local_time_zone="UTC")
    workers.start(1)
    start(engine, Channel.EMAIL, campaign_id)

    time.sleep(3)  # the worker took the campaign and found nothing due
    assert emulator_stats(emulator)["accepted"] == 0
    assert ledger(engine, Channel.EMAIL, campaign_id) == {"pending": 2 * PER_ZONE}
    with Session(engine) as session:
        assert session.get(EmailCampaign, campaign_id).status == "sending"

    its_turn(engine, campaign_id, "America/New_York")
    wait_until(lambda: sent_in(engine, campaign_id, "America/New_York") == PER_ZONE)
    time.sleep(1)
    assert sent_in(engine, campaign_id, "Asia/Tokyo") == 0  # Tokyo still waits for its morning
    with Session(engine) as session:
        assert session.get(EmailCampaign, campaign_id).status == "sending"

    its_turn(engine, campaign_id, "Asia/Tokyo")
    assert wait_for_status(engine, EmailCampaign, campaign_id, {"sent", "failed"}, timeout=60) == "sent"
    assert_exactly_once(emulator, engine, Channel.EMAIL, campaign_id, 2 * PER_ZONE)
