"""The frequency cap: a campaign skips, as it starts, the contacts who already got N messages in
the last D days, email and SMS together; they stay in its ledger, cancelled with the reason and
counted as processed; a campaign may ignore the cap; the confirmation says how many it skips."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlmodel import select

from campaign_dashboard.models import (
    Channel,
    EmailCampaign,
    EmailCampaignRecipient,
    SmsCampaign,
    SmsCampaignRecipient,
    utcnow,
)
from campaign_dashboard.services import campaigns
from campaign_dashboard.services.campaigns import preflight
from campaign_dashboard.ui.confirm import send_check
from tests.factories import make_contact, make_email_campaign, make_segment, make_sms_campaign

REASON = "Skipped: frequency cap: 3 messages in the last 7 days."


@pytest.fixture
def cap(frequency_cap):
    """The workspace's cap: at most 3 messages per contact per 7 days."""
    frequency_cap(3, 7)


@pytest.fixture
def history(session):
    """Five contacts and what they were sent before (the newsletter and SMS campaigns):

    - tired: 2 emails and 1 SMS this week (3: capped, email and SMS counted together);
    - busy: 1 email and 1 SMS this week (2: under the cap);
    - old: 3 emails ten days ago (outside the window);
    - unlucky: 3 this week, but one failed and one was cancelled (1 received);
    - fresh: nothing."""
    segment = make_segment(session, rules=[], match="all")
    people = {
        name: make_contact(session, email=f"{name}@example.com", phone=f"+1415555010{i}")
        for i, name in enumerate(("tired", "busy", "old", "unlucky", "fresh"))
    }
    now = utcnow()
    recent, old = now - timedelta(days=2), now - timedelta(days=10)
    sent_before: dict[Channel, list[tuple[str, str, object]]] = {
        Channel.EMAIL: [
            ("tired", "delivered", recent),
            ("tired", "opened", recent),
            ("busy", "sent", recent),
            ("old", "sent", old),
            ("old", "opened", old),
            ("old", "clicked", old),
            ("unlucky", "sent", recent),
            ("unlucky", "failed", None),
            ("unlucky", "cancelled", None),
        ],
        Channel.SMS: [("tired", "delivered", recent), ("busy", "sent", recent)],
    }
    earlier_email = make_email_campaign(session, segment_id=segment.id, status="sent")
    earlier_sms = make_sms_campaign(session, segment_id=segment.id, status="sent")
    for channel, rows in sent_before.items():
        Recipient, earlier = (
            (EmailCampaignRecipient, earlier_email) if channel is Channel.EMAIL else (SmsCampaignRecipient, earlier_sms)
        )
        for i, (name, status, sent_at) in enumerate(rows):
            contact = people[name]
            address = contact.email if channel is Channel.EMAIL else contact.phone
            row = Recipient(campaign_id=earlier.id, contact_id=contact.id, address=f"{i}-{address}", status=status)
            row.sent_at = sent_at
            session.add(row)
    session.commit()
    return segment


def _start(session, channel: Channel, segment, **fields):
    make = make_email_campaign if channel is Channel.EMAIL else make_sms_campaign
    campaign = make(session, segment_id=segment.id, **fields)
    return campaigns.apply_action(session=session, channel=channel, campaign_id=campaign.id, action="start")


def _ledger(session, channel: Channel, campaign_id: int) -> dict[str, tuple[str, str | None]]:
    """address -> (status, reason) of the campaign's recipients."""
    Recipient = EmailCampaignRecipient if channel is Channel.EMAIL else SmsCampaignRecipient
    rows = session.exec(select(Recipient).where(Recipient.campaign_id == campaign_id)).all()
    return {r.address: (r.status, r.last_error) for r in rows}


@pytest.mark.parametrize("channel", [Channel.EMAIL, Channel.SMS])
def test_a_contact_with_n_recent_messages_of_either_channel_is_skipped_with_the_reason(session, cap, history, channel):
    campaign = _start(session, channel, history)

    ledger = _ledger(session, channel, campaign.id)
    tired = "tired@example.com" if channel is Channel.EMAIL else "+14155550100"
    assert ledger.pop(tired) == ("cancelled", REASON)
    assert {status for status, _ in ledger.values()} == {"pending"} and len(ledger) == 4
    Model = EmailCampaign if channel is Channel.EMAIL else SmsCampaign
    stored = session.get(Model, campaign.id)
    session.refresh(stored)
    assert (stored.recipients, stored.processed, stored.frequency_capped) == (5, 1, 1)


def test_a_campaign_that_ignores_the_cap_is_sent_to_everyone(session, cap, history):
    campaign = _start(session, Channel.EMAIL, history, ignore_frequency_cap=True)

    assert {status for status, _ in _ledger(session, Channel.EMAIL, campaign.id).values()} == {"pending"}
    assert (campaign.recipients, campaign.frequency_capped) == (5, 0)


def test_without_a_cap_nobody_is_skipped(session, history):
    campaign = _start(session, Channel.SMS, history)

    assert {status for status, _ in _ledger(session, Channel.SMS, campaign.id).values()} == {"pending"}


def test_the_confirmation_says_how_many_the_cap_skips(session, cap, history):
    campaign = make_email_campaign(session, segment_id=history.id, name="Autumn")
    values = preflight.campaign_values(Channel.EMAIL, campaign)

    check = send_check(preflight.summarise(session=session, channel=Channel.EMAIL, values=values))

    assert check.question == "Send “Autumn” to 4 recipients now?"
    assert (
        "Frequency cap: 1 contact skipped by the frequency cap "
        "(at most 3 messages per contact every 7 days, email and SMS together)"
    ) in check.facts

    values["ignore_frequency_cap"] = True
    check = send_check(preflight.summarise(session=session, channel=Channel.EMAIL, values=values))
    assert check.question == "Send “Autumn” to 5 recipients now?"
    assert "Frequency cap: ignored for this campaign (an urgent notice): everyone is sent it" in check.facts

    quiet = make_segment(session, rules=[{"field": "tag", "op": "is", "value": "nobody-has-this"}])
    make_contact(session, tags=["nobody-has-this"])
    fresh = preflight.campaign_values(Channel.EMAIL, make_email_campaign(session, segment_id=quiet.id, name="Fresh"))
    check = send_check(preflight.summarise(session=session, channel=Channel.EMAIL, values=fresh))
    reached = (
        "Frequency cap: no contact reaches it (at most 3 messages per contact every 7 days, email and SMS together)"
    )
    assert reached in check.facts


def test_the_sms_estimate_counts_only_whom_the_cap_leaves(session, cap, history):
    campaign = make_sms_campaign(session, segment_id=history.id, body="Sale today")
    values = preflight.campaign_values(Channel.SMS, campaign)
    summary = preflight.summarise(session=session, channel=Channel.SMS, values=values)

    assert (summary.audience, summary.capped, summary.receiving) == (5, 1, 4)


def test_a_one_day_window_leaves_out_what_was_sent_two_days_ago(session, frequency_cap, history):
    frequency_cap(1, 1)
    campaign = _start(session, Channel.EMAIL, history)

    ledger = _ledger(session, Channel.EMAIL, campaign.id)
    # sent two days ago: outside a one-day window
    assert {status for status, _ in ledger.values()} == {"pending"}
