"""Campaigns on the send path: contacts in bulk, a campaign to everyone, starting it, and the
check every send test ends with (the provider's own count: exactly one message per recipient)."""

from __future__ import annotations

import time

import sqlalchemy as sa
from sqlmodel import Session, select

from campaign_dashboard.models import (
    Channel,
    Contact,
    EmailCampaign,
    EmailCampaignRecipient,
    Segment,
    SmsCampaign,
    SmsCampaignRecipient,
    utcnow,
)
from campaign_dashboard.services import campaigns
from tests.helpers.processes import emulator_stats


def add_contacts(engine: sa.Engine, n: int, *, prefix: str = "c") -> None:
    rows = [
        {
            "email": f"{prefix}{i}@example.com",
            "phone": f"+1212555{i:04d}",
            "first_name": f"Name{i}",
            "last_name": "",
            "timezone": "UTC",
            "attributes": {},
            "email_status": "subscribed",
            "sms_status": "subscribed",
            "created_at": utcnow(),
            "updated_at": utcnow(),
        }
        for i in range(n)
    ]
    with engine.begin() as conn:
        conn.execute(sa.insert(Contact), rows)


def make_campaign(engine: sa.Engine, channel: Channel, **fields) -> int:
    with Session(engine) as session:
        segment = Segment(name="everyone", kind="rules", rules=[], match="all")
        session.add(segment)
        session.commit()
        if channel == Channel.EMAIL:
            campaign = EmailCampaign(
                name="Spring sale",
                subject="Hi {{ first_name }}",
                from_email="news@example.com",
                segment_id=segment.id,
                html=fields.pop("html", "<p>Hello {{ first_name }}, 20% off</p>"),
                **fields,
            )
        else:
            campaign = SmsCampaign(
                name="SMS sale",
                body=fields.pop("body", "Hi {{ first_name }}: 20% off"),
                from_number="+15005550006",
                segment_id=segment.id,
                **fields,
            )
        session.add(campaign)
        session.commit()
        return campaign.id


def start(engine: sa.Engine, channel: Channel, campaign_id: int) -> None:
    from campaign_dashboard.tasks.sending import kick

    with Session(engine) as session:
        campaigns.apply_action(session=session, channel=channel, campaign_id=campaign_id, action="start")
    kick(channel.value, campaign_id)


def ledger(engine: sa.Engine, channel: Channel, campaign_id: int) -> dict[str, int]:
    Recipient = EmailCampaignRecipient if channel == Channel.EMAIL else SmsCampaignRecipient
    with Session(engine) as session:
        return dict(
            session.execute(
                select(Recipient.status, sa.func.count())
                .where(Recipient.campaign_id == campaign_id)
                .group_by(Recipient.status)
            ).all()
        )


def assert_exactly_once(emulator: str, engine, channel: Channel, campaign_id: int, n: int) -> None:
    stats = emulator_stats(emulator)
    assert stats["duplicates"] == 0
    assert stats["accepted"] == n
    assert len(stats["by_address"]) == n and set(stats["by_address"].values()) == {1}
    assert ledger(engine, channel, campaign_id) == {"sent": n}
    Campaign = EmailCampaign if channel == Channel.EMAIL else SmsCampaign
    with Session(engine) as session:
        campaign = session.get(Campaign, campaign_id)
        assert (campaign.status, campaign.sent, campaign.processed, campaign.recipients) == ("sent", n, n, n)


def wait_accepted(emulator: str, n: int, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while emulator_stats(emulator)["accepted"] < n:
        if time.monotonic() > deadline:
            raise TimeoutError(f"emulator accepted fewer than {n} messages in {timeout}s")
        time.sleep(0.05)


def wait_for_status(engine: sa.Engine, model, campaign_id: int, statuses: set[str], timeout: float = 120):
    from sqlmodel import Session

    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        with Session(engine) as session:
            status = session.get(model, campaign_id).status
        if status in statuses:
            return status
        time.sleep(0.2)
    raise TimeoutError(f"campaign {campaign_id} still {status} after {timeout}s")
