"""On PostgreSQL a process's claims go on above its last claim (each claim then costs its own rows,
not what the campaign already sent), and rows pending again below it are still claimed."""

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
