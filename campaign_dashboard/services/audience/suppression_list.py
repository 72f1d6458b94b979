"""The suppression list as staff manage it (API, dashboard): find, add with a reason, remove where
the rules allow (`consent_rules`), export. Each add and remove lands in the consent ledger with
the caller's source and reason, and moves the status of the contacts holding the address."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

from sqlalchemy import func, update
from sqlmodel import Session, col, select

from campaign_dashboard.models import Channel, Contact, EmailStatus, SmsStatus, Suppression, utcnow
from campaign_dashboard.services.audience import consent, consent_rules, opt_outs
from campaign_dashboard.services.audience.consent import ConsentEvent, ConsentSource
from campaign_dashboard.services.audience.csv_export import csv_lines
from campaign_dashboard.services.audience.suppressions import (
    find_suppression,
    normalize_address,
    parse_channel,
    stage_suppression,
)
from campaign_dashboard.services.errors import NotFound, ValidationFailed
from campaign_dashboard.services.pagination import Page, page_of

MAX_REASON = 50  # what `suppressions.reason` holds; a removal's reason goes to the ledger only
MAX_REMOVE_REASON = 500
CSV_COLUMNS = ("channel", "address", "reason", "source", "created_at")
CHUNK_SIZE = 1000
# The reasons the system writes (webhooks, sends), in words; a reason staff typed is shown as is.
REASON_WORDS = {
    opt_outs.HARD_BOUNCE: "hard bounce",
    opt_outs.COMPLAINT: "spam complaint",
    opt_outs.UNSUBSCRIBE: "unsubscribed",
    opt_outs.PROVIDER_SUPPRESSED: "provider suppression",
    opt_outs.SMS_OPT_OUT: "texted STOP / opted out",
}


@dataclass(frozen=True)
class SuppressionFilter:
    """Empty fields mean "any"; `search` is a part of the address."""

    search: str = ""
    channel: str = ""

    def conditions(self) -> list:
        found = []
        if self.channel:
            found.append(col(Suppression.channel) == parse_channel(self.channel))
        if self.search.strip():
            found.append(col(Suppression.address).icontains(self.search.strip().lower(), autoescape=True))
        return found


def search_suppressions(
    *, session: Session, filters: SuppressionFilter, cursor: str | None = None, limit: int = 50
) -> Page[Suppression]:
    """One page of the matching suppressions, newest first."""
    query = select(Suppression).where(*filters.conditions())
    return page_of(session, query, id_column=col(Suppression.id), cursor=cursor, limit=limit, newest_first=True)


def count_suppressions(*, session: Session, filters: SuppressionFilter) -> int:
    return session.scalar(select(func.count()).select_from(Suppression).where(*filters.conditions())) or 0


def get_suppression(*, session: Session, suppression_id: int) -> Suppression:
    row = session.get(Suppression, suppression_id)
    if row is None:
        raise NotFound(f"Suppression {suppression_id} not found (it may have been removed already).")
    return row


def suppress_address(
    *, session: Session, channel: str, address: str, reason: str, source: ConsentSource
) -> tuple[Suppression, bool]:
    """Suppress the address by hand (commits): the contacts holding it are unsubscribed on that
    channel and the ledger records it with `source` and `reason`. (row, True if it is new); an
    address already suppressed keeps its row and its reason."""
    channel = parse_channel(channel)
    address = normalize_address(channel, address)
    reason = _required(reason, "Say why this address is suppressed: a reason is required.", MAX_REASON)
    if reason in REASON_WORDS:  # the system's own words would make it read as a bounce, a STOP...
        reason = f"by hand: {reason}"
    existing = find_suppression(session, channel, address)
    row = existing or stage_suppression(
        session=session, channel=channel, address=address, reason=reason, source=f"{source.kind}: {source.detail}"
    )
    changed = _set_status(session, channel, address, subscribed=False)
    consent.record_change(
        session=session,
        channel=channel,
        address=address,
        event=ConsentEvent.SUPPRESSED,
        source=source.with_evidence(reason=reason),
        changed=changed,
        address_changed=existing is None,
    )
    session.commit()
    return row, existing is None


def lift_suppression(*, session: Session, suppression_id: int, reason: str, source: ConsentSource) -> Suppression:
    """Remove the suppression, if the rules let `source` (Conflict naming why not): the contacts
    holding the address get that channel back, as a resubscribe would; commits. Every removal
    needs a reason, recorded in the ledger."""
    row = get_suppression(session=session, suppression_id=suppression_id)
    channel = parse_channel(row.channel)
    found = consent_rules.address_blocks(session=session, channel=channel, address=row.address)
    lifts_block = consent_rules.check_lift(found, channel, source, reason)
    reason = _required(reason, "Say why this suppression may be removed: a reason is required.", MAX_REMOVE_REASON)
    session.delete(row)
    changed = _set_status(session, channel, row.address, subscribed=True)
    consent.record_change(
        session=session,
        channel=channel,
        address=row.address,
        event=ConsentEvent.UNSUPPRESSED if lifts_block else ConsentEvent.RESUBSCRIBED,
        source=source.with_evidence(reason=reason),
        changed=changed,
        address_changed=True,
    )
    session.commit()
    return row


def export_suppressions(
    *, session: Session, filters: SuppressionFilter = SuppressionFilter(), chunk_size: int = CHUNK_SIZE
) -> Iterator[str]:
    """The matching suppressions as CSV text (header first), oldest first, a chunk at a time."""
    yield csv_lines([CSV_COLUMNS])
    conditions, last_id = filters.conditions(), 0
    while True:
        query = select(Suppression).where(*conditions, col(Suppression.id) > last_id)
        rows = list(session.exec(query.order_by(col(Suppression.id)).limit(chunk_size)).all())
        if not rows:
            return
        yield csv_lines(
            [r.channel, r.address, r.reason, r.source, r.created_at.isoformat() if r.created_at else ""] for r in rows
        )
        last_id = rows[-1].id or last_id


def suppressions_csv(*, session: Session, filters: SuppressionFilter = SuppressionFilter()) -> str:
    return "".join(export_suppressions(session=session, filters=filters))


def reason_words(reason: str) -> str:
    return REASON_WORDS.get(reason, reason)


def _set_status(session: Session, channel: Channel, address: str, *, subscribed: bool) -> list[int]:
    """Move every contact holding the address to subscribed (or out of it); the ids that moved.
    Taking permission away leaves a bounce or a complaint as it is (it says more)."""
    now = utcnow()
    if channel is Channel.SMS:
        sms_status = SmsStatus.SUBSCRIBED if subscribed else SmsStatus.OPTED_OUT
        return opt_outs.set_sms_status_by_phone(session=session, phone=address, status=sms_status, now=now)
    status = EmailStatus.SUBSCRIBED if subscribed else EmailStatus.UNSUBSCRIBED
    replaces: tuple[str, ...] = (
        tuple(s for s in EmailStatus if s != EmailStatus.SUBSCRIBED)
        if subscribed
        else opt_outs.EMAIL_STATUS_REPLACES[EmailStatus.UNSUBSCRIBED]
    )
    statement = (
        update(Contact)
        .where(col(Contact.email) == address, col(Contact.email_status).in_(replaces))
        .values(email_status=status, updated_at=now)
        .returning(col(Contact.id))
        .execution_options(synchronize_session=False)
    )
    return list(session.execute(statement).scalars().all())


def _required(value: str | None, message: str, longest: int) -> str:
    text = (value or "").strip()
    if not text:
        raise ValidationFailed(message, details=[{"field": "reason", "message": message}])
    if len(text) > longest:
        message = f"Keep the reason to {longest} characters or fewer (it has {len(text)})."
        raise ValidationFailed(message, details=[{"field": "reason", "message": message}])
    return text
