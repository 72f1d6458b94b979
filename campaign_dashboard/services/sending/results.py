"""Writing what sending achieved: recipient outcomes, sent emails, counters, the campaign's end.

A chunk's results are written in one transaction, and only for rows still claimed, so a chunk
re-sent after recovery is never counted twice. Ending a campaign goes through the lifecycle, so a
person's pause or cancel that got there first wins.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from sqlalchemy import bindparam, select, update
from sqlmodel import Session, col

from campaign_dashboard.models import Channel, RecipientStatus, SentEmail, SmsStatus, table_of
from campaign_dashboard.providers.base import OutgoingEmail
from campaign_dashboard.services import campaigns
from campaign_dashboard.services.audience import consent
from campaign_dashboard.services.audience.consent import ConsentEvent, ConsentSource, SourceKind
from campaign_dashboard.services.audience.opt_outs import (
    PROVIDER_SUPPRESSED,
    canonical_address,
    set_sms_status_by_phone,
    suppress,
)
from campaign_dashboard.services.campaigns.lifecycle import Action
from campaign_dashboard.services.channels import campaign_model, recipient_model
from campaign_dashboard.services.errors import IllegalTransition
from campaign_dashboard.services.events.counters import bump_minute, minute_of
from campaign_dashboard.services.sending.ledger import unselective

if TYPE_CHECKING:
    from campaign_dashboard.services.sending.batches import SendDeps

log = logging.getLogger(__name__)


def write_results(
    deps: SendDeps,
    channel: Channel,
    campaign_id: int,
    results,
    refused,
    sent_emails: dict[int, OutgoingEmail] | None = None,
) -> None:
    """One transaction per chunk: recipient rows, sent_emails and the campaign counters. Rows that
    are no longer claimed (taken over after an expired lease) are not counted twice."""
    Campaign, Recipient = campaign_model(channel), recipient_model(channel)
    ids = [r.id for r, _ in results] + [r.id for r, _ in refused]
    if not ids:
        return
    now = deps.now()
    with Session(deps.engine) as session:
        still_claimed = set(
            session.scalars(
                select(col(Recipient.id)).where(
                    col(Recipient.id).in_(ids),
                    unselective(deps.engine, col(Recipient.status) == RecipientStatus.CLAIMED),
                )
            )
        )
        sent = [(r, res) for r, res in results if r.id in still_claimed and res.accepted]
        failed = [(r, res.error) for r, res in results if r.id in still_claimed and not res.accepted]
        for r, res in results:
            if r.id in still_claimed and res.opted_out and channel == Channel.SMS:
                # The carrier/provider knows this number unsubscribed (e.g. Twilio 21610): never again.
                added = suppress(
                    session=session,
                    channel=channel,
                    address=r.address,
                    reason=PROVIDER_SUPPRESSED,
                    source=f"send:{campaign_id}",
                )
                changed = set_sms_status_by_phone(session=session, phone=r.address, status=SmsStatus.OPTED_OUT, now=now)
                consent.record_change(
                    session=session,
                    channel=channel,
                    address=canonical_address(channel, r.address),
                    event=ConsentEvent.OPTED_OUT,
                    source=ConsentSource(
                        SourceKind.PROVIDER_OPT_OUT,
                        detail=f"the provider refused a send of SMS campaign {campaign_id}",
                        evidence={"error": (res.error or "")[:200]},
                    ),
                    changed=changed,
                    address_changed=added,
                    at=now,
                )
        failed += [(r, reason) for r, reason in refused if r.id in still_claimed]
        table = table_of(Recipient)
        if sent:
            session.execute(
                table.update()
                .where(table.c.id == bindparam("rid"))
                .values(
                    status=RecipientStatus.SENT,
                    provider_message_id=bindparam("pid"),
                    sent_at=now,
                    lease_expires_at=None,
                    last_error=None,
                    updated_at=now,
                ),
                [{"rid": r.id, "pid": res.provider_message_id} for r, res in sent],
            )
        if failed:
            session.execute(
                table.update()
                .where(table.c.id == bindparam("rid"))
                .values(
                    status=RecipientStatus.FAILED, last_error=bindparam("err"), lease_expires_at=None, updated_at=now
                ),
                [{"rid": r.id, "err": (reason or "refused")[:2000]} for r, reason in failed],
            )
        if sent and channel == Channel.EMAIL and sent_emails is not None:
            session.execute(
                table_of(SentEmail).insert(),
                [  # Core executemany: no ORM bulk machinery
                    {
                        "campaign_id": campaign_id,
                        "recipient_id": r.id,
                        "contact_id": r.contact_id,
                        "provider_message_id": res.provider_message_id,
                        "message_id_header": sent_emails[r.id].headers["Message-ID"],
                        "reply_token": sent_emails[r.id].reply_token,
                        "to_address": r.address,
                        "subject": sent_emails[r.id].subject[:500],
                        "status": "sent",
                        "sent_at": now,
                        "updated_at": now,
                        "open_count": 0,
                        "click_count": 0,
                    }
                    for r, res in sent
                ],
            )
        if sent or failed:
            session.execute(
                update(Campaign)
                .where(col(Campaign.id) == campaign_id)
                .values(
                    sent=Campaign.sent + len(sent),
                    failed=Campaign.failed + len(failed),
                    processed=Campaign.processed + len(sent) + len(failed),
                    last_activity_at=now,
                )
            )
            # the same counts per minute, for the dashboard's period totals and charts
            bump_minute(
                session=session,
                channel=channel,
                campaign_id=campaign_id,
                minute=minute_of(now),
                metrics={"sent": len(sent), "failed": len(failed)},
            )
        session.commit()


def fail_campaign(*, deps: SendDeps, channel: Channel, campaign_id: int, reason: str) -> None:
    if finish(deps, channel, campaign_id, Action.FAIL, reason=reason):
        log.warning("campaign %s/%s failed: %s", channel, campaign_id, reason, extra={"campaign_id": campaign_id})


def finish(deps: SendDeps, channel: Channel, campaign_id: int, action: Action, reason: str | None = None) -> bool:
    """Complete or fail through the lifecycle; False when a user's pause/cancel got there first."""
    with Session(deps.engine) as session:
        try:
            campaigns.apply_action(
                session=session, channel=channel, campaign_id=campaign_id, action=action, reason=reason
            )
        except IllegalTransition:
            return False
    return True
