"""On PostgreSQL a process's claims go on above its last claim (each claim then costs its own rows,
not what the campaign already sent), and rows pending again below it are still claimed. The hints
are per process and forgotten when a campaign has nothing left, and bounded in number."""

from __future__ import annotations

import pytest
from sqlalchemy import update
from sqlmodel import select

from campaign_dashboard.config import get_settings
from campaign_dashboard.models import Channel, EmailCampaignRecipient, SegmentContact
from campaign_dashboard.services.campaigns import actions
from campaign_dashboard.services.sending import SendDeps, claim_batch, ledger
from tests.factories import make_contact, make_email_campaign, make_segment


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_claims_go_on_above_the_last_one_and_still_find_rows_pending_again_below_it(engine, session, monkeypatch):
    monkeypatch.setattr(ledger, "_claimed_up_to", {})
    segment = make_segment(session, kind="static")
    for _ in range(30):
        session.add(SegmentContact(segment_id=segment.id, contact_id=make_contact(session).id))
    campaign = make_email_campaign(session, segment_id=segment.id)
    actions.apply_action(session=session, channel="email", campaign_id=campaign.id, action="start")
    campaign_id = campaign.id
    ids = sorted(session.exec(select(EmailCampaignRecipient.id)).all())
    session.commit()
    deps = SendDeps(engine=engine, settings=get_settings().model_copy(update={"send_batch_size": 10}), limiter=None)  # type: ignore[arg-type]

    def claim() -> list[int]:
        batch = claim_batch(deps=deps, channel=Channel.EMAIL, campaign_id=campaign_id)
        rows = session.exec(select(EmailCampaignRecipient.id).where(EmailCampaignRecipient.batch_id == batch)).all()
        session.commit()
        return sorted(rows) if batch else []

    first = claim()
    assert first == ids[:10] and claim() == ids[10:20]
    # The first batch is handed back (its worker released it): pending again, below the last claim.
    session.execute(update(EmailCampaignRecipient).where(EmailCampaignRecipient.id.in_(first)).values(status="pending"))
    session.commit()
    assert claim() == ids[20:]  # above the last claim first
    assert claim() == first  # nothing left above: the full look finds the released rows
    assert claim() == []


def _sending_campaign(session, recipients: int) -> int:
    segment = make_segment(session, kind="static")
    for _ in range(recipients):
        session.add(SegmentContact(segment_id=segment.id, contact_id=make_contact(session).id))
    campaign = make_email_campaign(session, segment_id=segment.id)
    actions.apply_action(session=session, channel="email", campaign_id=campaign.id, action="start")
    campaign_id = campaign.id
    session.commit()
    return campaign_id


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_a_campaign_with_nothing_left_to_claim_is_forgotten(engine, session, monkeypatch):
    """A long-lived worker must not keep a hint for every campaign it ever sent."""
    monkeypatch.setattr(ledger, "_claimed_up_to", {})
    campaign_id = _sending_campaign(session, 25)
    deps = SendDeps(engine=engine, settings=get_settings().model_copy(update={"send_batch_size": 10}), limiter=None)  # type: ignore[arg-type]
    key = (str(engine.url), str(Channel.EMAIL), campaign_id)

    batches = []
    while batch := claim_batch(deps=deps, channel=Channel.EMAIL, campaign_id=campaign_id):
        batches.append(batch)
        assert key in ledger._claimed_up_to
    assert len(batches) == 3
    assert key not in ledger._claimed_up_to


@pytest.mark.parametrize("database_url", ["postgresql"], indirect=True)
def test_the_hints_are_bounded_and_the_least_recently_claimed_go_first(engine, session, monkeypatch):
    monkeypatch.setattr(ledger, "_claimed_up_to", {})
    monkeypatch.setattr(ledger, "_CLAIM_HINTS", 3)
    first, second = _sending_campaign(session, 30), _sending_campaign(session, 30)
    deps = SendDeps(engine=engine, settings=get_settings().model_copy(update={"send_batch_size": 10}), limiter=None)  # type: ignore[arg-type]
    key = (str(engine.url), str(Channel.EMAIL), first)
    others = [("elsewhere", "email", n) for n in range(2)]

    assert claim_batch(deps=deps, channel=Channel.EMAIL, campaign_id=first)
    ledger._claimed_up_to.update(dict.fromkeys(others, 1))
    assert list(ledger._claimed_up_to) == [key, *others]
    assert claim_batch(deps=deps, channel=Channel.EMAIL, campaign_id=first)  # used again: newest now
    assert list(ledger._claimed_up_to) == [*others, key]
    assert claim_batch(deps=deps, channel=Channel.EMAIL, campaign_id=second)
    assert list(ledger._claimed_up_to) == [others[1], key, (str(engine.url), "email", second)]
    assert len(ledger._claimed_up_to) == ledger._CLAIM_HINTS
