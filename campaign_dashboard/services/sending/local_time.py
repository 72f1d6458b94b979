"""Send at a local time: "09:00 in each contact's time zone".

As the audience is snapshotted, each recipient gets `not_before` = the next 09:00 in its contact's
time zone after the campaign starts; contacts without a zone (none given, one that names no place
such as "UTC", or one no time-zone database knows) use the campaign's `local_time_zone`. The
claim already skips rows whose `not_before` is ahead, and a campaign with only such rows left is
`deferred` (the worker comes back at the earliest one), so the campaign stays `sending` until the
last zone's turn. SMS quiet hours still apply when a row is claimed.

The work is per distinct zone, not per contact: one UPDATE per distinct send instant (zones that
share an offset share it), over the rows of the campaign, so a million recipients cost a few
dozen statements. The rules of a send time and a zone are `campaigns.send_time`.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import select, update
from sqlmodel import Session, col

from campaign_dashboard.models import Channel, Contact, RecipientStatus
from campaign_dashboard.models.campaigns import CampaignFields
from campaign_dashboard.services.campaigns.send_time import next_send, parse_send_time, zone_of
from campaign_dashboard.services.channels import recipient_model

DUE_NOW = timedelta(minutes=1)  # a send time this close is now: no point deferring the row


def stagger(*, session: Session, channel: Channel, campaign: CampaignFields, now: datetime) -> int:
    """Defer the campaign's pending recipients to their local send time; returns how many wait.
    Runs in the snapshot's transaction, right after the rows are inserted."""
    if not campaign.local_send_time or campaign.id is None:
        return 0
    at = parse_send_time(campaign.local_send_time)
    fallback = zone_of(campaign.local_time_zone) or ZoneInfo(campaign.local_time_zone or "UTC")
    Recipient = recipient_model(channel)
    pending = (col(Recipient.campaign_id) == campaign.id, col(Recipient.status) == RecipientStatus.PENDING)
    names = session.scalars(
        select(col(Contact.timezone))
        .distinct()
        .join(Recipient, col(Recipient.contact_id) == col(Contact.id))
        .where(*pending)
    ).all()
    by_instant: dict[datetime, list[str]] = defaultdict(list)
    for name in names:
        by_instant[next_send(now, at, zone_of(name) or fallback)].append(name)
    waiting = 0
    for instant, zones in sorted(by_instant.items()):
        if instant - now < DUE_NOW:
            continue
        of_zones = select(col(Contact.id)).where(col(Contact.timezone).in_(zones))
        waiting += session.exec(
            update(Recipient).where(*pending, col(Recipient.contact_id).in_(of_zones)).values(not_before=instant)
        ).rowcount
    return waiting
