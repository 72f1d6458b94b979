"""The send path counts what it sent per minute too, so the dashboard's period totals and
charts show sending (not only the events that come back)."""

from __future__ import annotations

from sqlalchemy import func
from sqlmodel import Session, select

from campaign_dashboard.models import CampaignStatsMinute, Channel, EmailCampaign
from tests.helpers.sending import add_contacts, make_campaign, start, wait_for_status


def test_sent_messages_land_in_the_minute_buckets_as_on_the_counter(app_env, emulator, workers, engine):
    add_contacts(engine, 40, prefix="bucket")
    campaign_id = make_campaign(engine, Channel.EMAIL)
    workers.start(1)
    start(engine, Channel.EMAIL, campaign_id)
    assert wait_for_status(engine, EmailCampaign, campaign_id, {"sent", "failed"}) == "sent"
    with Session(engine) as session:
        bucketed = session.exec(
            select(func.sum(CampaignStatsMinute.count)).where(
                CampaignStatsMinute.channel == "email",
                CampaignStatsMinute.campaign_id == campaign_id,
                CampaignStatsMinute.metric == "sent",
            )
        ).one()
        assert bucketed == 40 == session.get(EmailCampaign, campaign_id).sent
