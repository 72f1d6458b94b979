"""Send at a local time: each recipient waits for the next 09:00 (say) in its contact's own time
zone; contacts without one use the campaign's zone; the campaign page says how many wait and
when the last zone's turn is; the rest sends at once."""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlmodel import select

from campaign_dashboard.config import Settings
from campaign_dashboard.models import Channel, EmailCampaignRecipient, SmsCampaignRecipient, utcnow
from campaign_dashboard.services import campaigns
from campaign_dashboard.services.campaigns.send_time import next_send, parse_send_time, zone_of
from campaign_dashboard.services.errors import ValidationFailed
from campaign_dashboard.services.stats import waiting
from tests.factories import make_contact, make_email_campaign, make_segment, make_sms_campaign

PARIS, TOKYO, NEW_YORK = ZoneInfo("Europe/Paris"), ZoneInfo("Asia/Tokyo"), ZoneInfo("America/New_York")


def utc(*args) -> datetime:
    return datetime(*args, tzinfo=UTC)


def test_the_next_send_time_is_today_if_still_ahead_else_tomorrow():
    nine = time(9, 0)
    assert next_send(utc(2026, 12, 1, 6, 0), nine, PARIS) == utc(2026, 12, 1, 8, 0)  # 07:00 in Paris: today
    assert next_send(utc(2026, 12, 1, 8, 30), nine, PARIS) == utc(2026, 12, 2, 8, 0)  # 09:30 there: tomorrow
    assert next_send(utc(2026, 12, 1, 6, 0), nine, TOKYO) == utc(2026, 12, 2, 0, 0)  # 15:00 in Tokyo
    assert next_send(utc(2026, 12, 1, 6, 0), nine, NEW_YORK) == utc(2026, 12, 1, 14, 0)  # 01:00 in New York
    assert next_send(utc(2026, 12, 1, 8, 0), nine, PARIS) == utc(2026, 12, 1, 8, 0)  # exactly now: now


def test_summer_time_moves_the_instant_not_the_local_time():
    nine = time(9, 0)
    assert next_send(utc(2027, 3, 27, 12, 0), nine, PARIS) == utc(2027, 3, 28, 7, 0)  # 09:00 CEST (UTC+2)
    assert next_send(utc(2027, 3, 26, 12, 0), nine, PARIS) == utc(2027, 3, 27, 8, 0)  # 09:00 CET (UTC+1)
    # 02:30 does not exist on the night the clocks go forward: it goes an hour later by the clock
    assert next_send(utc(2027, 3, 27, 12, 0), time(2, 30), PARIS) == utc(2027, 3, 28, 1, 30)


@pytest.mark.parametrize("value", ["9:00", "24:00", "09:60", "9am", "", "09:00:00", " 0900"])
def test_a_send_time_is_hh_mm_on_a_24_hour_clock(value):
    with pytest.raises(ValidationFailed) as refused:
        parse_send_time(value)
    assert refused.value.details[0]["field"] == "local_send_time"


@pytest.mark.parametrize("name", ["", "UTC", "Etc/UTC", "GMT", "Mars/Olympus", "../etc/passwd", "Europe"])
def test_a_zone_that_names_no_place_counts_as_none(name):
    assert zone_of(name) is None


@pytest.fixture
def world(session):
    """Contacts in Tokyo, New York and Paris, one with UTC (gave no zone) and one with a zone no
    database knows: both of those use the campaign's zone."""
    segment = make_segment(session, rules=[], match="all")
    for i, zone in enumerate(("Asia/Tokyo", "America/New_York", "Europe/Paris", "UTC", "Atlantis/Capital")):
        make_contact(session, email=f"p{i}@example.com", phone=f"+1415555020{i}", timezone=zone)
    session.commit()
    return segment


def _start(session, channel: Channel, segment, **fields):
    make = make_email_campaign if channel is Channel.EMAIL else make_sms_campaign
    campaign = make(session, segment_id=segment.id, **fields)
    before = utcnow()
    started = campaigns.apply_action(session=session, channel=channel, campaign_id=campaign.id, action="start")
    return started, before, utcnow()


def _expected(zone: ZoneInfo, at: time, before: datetime, after: datetime) -> datetime | None:
    """What a row of `zone` should wait for, started between `before` and `after` (None: not at all)."""
    first, last = next_send(before, at, zone), next_send(after, at, zone)
    assert first == last, "the send time passed while the test started the campaign: run it again"
    return None if first - after < timedelta(minutes=1) else first


@pytest.mark.parametrize("channel", [Channel.EMAIL, Channel.SMS])
def test_each_recipient_waits_for_the_send_time_in_its_contacts_zone(session, world, channel):
    at = (utcnow() + timedelta(hours=3)).strftime("%H:%M")  # ahead in UTC: the campaign's zone waits
    campaign, before, after = _start(session, channel, world, local_send_time=at, local_time_zone="Europe/Paris")

    Recipient = EmailCampaignRecipient if channel is Channel.EMAIL else SmsCampaignRecipient
    rows = session.exec(select(Recipient).where(Recipient.campaign_id == campaign.id)).all()
    zones = (TOKYO, NEW_YORK, PARIS, PARIS, PARIS)  # UTC and Atlantis/Capital: the campaign's zone
    address = (lambda i: f"p{i}@example.com") if channel is Channel.EMAIL else (lambda i: f"+1415555020{i}")
    expected = {address(i): _expected(zone, parse_send_time(at), before, after) for i, zone in enumerate(zones)}
    assert {r.address: r.not_before for r in rows} == expected
    assert {r.status for r in rows} == {"pending"}
    assert campaign.status == "sending"


def test_the_campaign_page_counts_who_waits_and_says_when_the_last_zone_goes(session, world, tmp_path):
    at = (utcnow() + timedelta(hours=3)).strftime("%H:%M")
    campaign, before, after = _start(session, Channel.EMAIL, world, local_send_time=at, local_time_zone="UTC")

    settings = Settings(data_dir=tmp_path)
    found = waiting.progress(session=session, settings=settings, channel="email", campaign_id=campaign.id)
    times = [_expected(z, parse_send_time(at), before, after) for z in (TOKYO, NEW_YORK, PARIS, UTC, UTC)]
    deferred = [t for t in times if t is not None]
    assert found.waiting_send_time == len(deferred) and found.waiting_quiet_hours == 0
    assert found.ready == 5 - len(deferred)
    assert (found.next_send_time, found.last_send_time) == (min(deferred), max(deferred))
    reason = next(r for r in found.reasons if r.kind == waiting.SEND_TIME)
    assert reason.message.startswith(f"{len(deferred)} recipients are waiting for {at} in their own time zone")
    assert "(contacts without one: UTC)" in reason.message and reason.at == min(deferred)


def test_a_campaign_without_a_send_time_sends_everyone_at_once(session, world):
    campaign, _, _ = _start(session, Channel.EMAIL, world)
    rows = session.exec(select(EmailCampaignRecipient).where(EmailCampaignRecipient.campaign_id == campaign.id)).all()
    assert [r.not_before for r in rows] == [None] * 5


def test_a_send_time_without_a_zone_takes_utc_and_bad_values_are_named(session, world):
    campaign = campaigns.create(
        session=session,
        channel="email",
        data={
            "name": "Morning",
            "segment_id": world.id,
            "subject": "Hi",
            "from_email": "news@example.com",
            "html": "<p>Hi</p>",
            "local_send_time": "09:00",
        },
    )
    assert (campaign.local_send_time, campaign.local_time_zone) == ("09:00", "UTC")
    with pytest.raises(ValidationFailed) as refused:
        campaigns.update(
            session=session,
            channel="email",
            campaign_id=campaign.id,
            changes={"local_send_time": "9 in the morning", "local_time_zone": "Mars/Olympus"},
        )
    assert {d["field"] for d in refused.value.details} == {"local_send_time", "local_time_zone"}
