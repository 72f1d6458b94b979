"""The frequency cap end to end: real workers send through the emulator. With at most 2 messages
per contact per 7 days, email and SMS counted together, a campaign sends nothing to the contacts
already at the cap (their recipients cancelled with the reason) and exactly one message to each of
the others; a campaign that ignores the cap reaches everyone; a campaign the cap leaves nobody to
send to still finishes."""

from __future__ import annotations

import pytest
from sqlmodel import Session, select

from campaign_dashboard.models import (
    Channel,
    Contact,
    EmailCampaign,
    EmailCampaignRecipient,
    Segment,
    SegmentContact,
    SmsCampaign,
)
from tests.helpers.processes import emulator_stats
from tests.helpers.sending import add_contacts, ledger, make_campaign, start, wait_for_status

pytestmark = pytest.mark.xdist_group("sending")

CONTACTS, TEXTED = 30, 10
REASON = "Skipped: frequency cap: 2 messages in the last 7 days."


def _send(engine, emulator: str, channel: Channel, campaign_id: int) -> dict[str, int]:
    """Start the campaign, wait until it is sent; what the emulator accepted for it, by address."""
    before = emulator_stats(emulator)["by_address"]
    start(engine, channel, campaign_id)
    model = EmailCampaign if channel is Channel.EMAIL else SmsCampaign
    assert wait_for_status(engine, model, campaign_id, {"sent", "failed"}) == "sent"
    after = emulator_stats(emulator)["by_address"]
    assert emulator_stats(emulator)["duplicates"] == 0
    return {a: n - before.get(a, 0) for a, n in after.items() if n != before.get(a, 0)}


def test_the_cap_counts_email_and_sms_together_and_the_override_reaches_everyone(
    app_env, emulator, workers, engine, frequency_cap
):
    frequency_cap(2, 7)
    add_contacts(engine, CONTACTS)
    with Session(engine) as session:
        contacts = session.exec(select(Contact).order_by(Contact.id)).all()
        emails = {c.email for c in contacts}
        texted = contacts[:TEXTED]
        few = Segment(name="the first ten", kind="static")
        session.add(few)
        session.flush()
        session.add_all(SegmentContact(segment_id=few.id, contact_id=c.id) for c in texted)
        session.commit()
        few_id = few.id
        texted_emails = {c.email for c in texted}
        texted_phones = {c.phone for c in texted}
    workers.start(1)

    # Everyone gets a newsletter; the first ten also a text: two messages, one of each channel.
    assert _send(engine, emulator, Channel.EMAIL, make_campaign(engine, Channel.EMAIL)) == dict.fromkeys(emails, 1)
    sms_id = make_campaign(engine, Channel.SMS)
    with Session(engine) as session:
        session.get(SmsCampaign, sms_id).segment_id = few_id
        session.commit()
    assert _send(engine, emulator, Channel.SMS, sms_id) == dict.fromkeys(texted_phones, 1)

    # The next email skips the first ten (at the cap only when SMS counts too); one each to the rest.
    capped_id = make_campaign(engine, Channel.EMAIL)
    assert _send(engine, emulator, Channel.EMAIL, capped_id) == dict.fromkeys(emails - texted_emails, 1)
    assert ledger(engine, Channel.EMAIL, capped_id) == {"sent": CONTACTS - TEXTED, "cancelled": TEXTED}
    with Session(engine) as session:
        skipped = session.exec(
            select(EmailCampaignRecipient.address, EmailCampaignRecipient.last_error).where(
                EmailCampaignRecipient.campaign_id == capped_id, EmailCampaignRecipient.status == "cancelled"
            )
        ).all()
        campaign = session.get(EmailCampaign, capped_id)
        counts = (campaign.recipients, campaign.processed, campaign.sent, campaign.frequency_capped)
    assert sorted(skipped) == sorted((a, REASON) for a in texted_emails)
    assert counts == (CONTACTS, CONTACTS, CONTACTS - TEXTED, TEXTED)

    # An urgent notice ignores the cap: everyone, once.
    urgent_id = make_campaign(engine, Channel.EMAIL, ignore_frequency_cap=True)
    assert _send(engine, emulator, Channel.EMAIL, urgent_id) == dict.fromkeys(emails, 1)
    assert ledger(engine, Channel.EMAIL, urgent_id) == {"sent": CONTACTS}

    # Now everyone is at the cap: a text to everyone sends nothing, and the campaign still finishes.
    assert _send(engine, emulator, Channel.SMS, make_campaign(engine, Channel.SMS)) == {}
