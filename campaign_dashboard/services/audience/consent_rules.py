"""Rules that protect the sender: who may give a contact's permission back, and why not.

A staff member (API token or dashboard user) may undo an opt-out that staff made. What the
contact or a provider said is stronger:
- a STOP texted from the phone (or Twilio refusing the number) is lifted only by START, UNSTOP or
  YES from that phone;
- a spam complaint blocks email until the contact opts in again through a confirmed double
  opt-in;
- a one-click (or mailto) unsubscribe is lifted only by the contact (a new sign-up or the
  preference centre);
- a hard bounce or a provider suppression is lifted only by an admin, with a reason;
- an address the person had erased (GDPR) and that came back (an import, the API, a changed
  address) stays unsubscribed until the person signs up again.
The reasons come from the consent ledger (what was taken away since permission was last given),
and, for opt-outs older than the ledger, from the suppression list and the contact's status.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from campaign_dashboard.models import Channel, Contact, EmailStatus, Role, SmsStatus, Suppression
from campaign_dashboard.services.audience import opt_outs, tombstones
from campaign_dashboard.services.audience.consent import (
    ConsentSource,
    SourceKind,
    since_last_grant,
    since_last_grant_of_address,
)
from campaign_dashboard.services.audience.suppressions import find_suppression
from campaign_dashboard.services.errors import Conflict, ValidationFailed


@dataclass(frozen=True)
class Block:
    """Why permission is withheld: the source that withheld it and when (None: before the ledger)."""

    source: SourceKind
    at: datetime | None = None


# Strongest first: the first block found decides the answer.
SEVERITY = (
    SourceKind.ERASURE,
    SourceKind.COMPLAINT,
    SourceKind.KEYWORD,
    SourceKind.TWILIO_ADVANCED_OPT_OUT,
    SourceKind.PROVIDER_OPT_OUT,
    SourceKind.ONE_CLICK_UNSUBSCRIBE,
    SourceKind.MAILTO_UNSUBSCRIBE,
    SourceKind.PREFERENCE_CENTRE,
    SourceKind.BOUNCE,
    SourceKind.PROVIDER_SUPPRESSION,
)
ADMIN_WITH_REASON = frozenset({SourceKind.BOUNCE, SourceKind.PROVIDER_SUPPRESSION})
# A STOP from the phone (or Twilio refusing the number): Twilio itself keeps refusing to text it
# until START, UNSTOP or YES from that phone, so only those lift it here too.
PHONE_STOPS = frozenset({SourceKind.KEYWORD, SourceKind.TWILIO_ADVANCED_OPT_OUT, SourceKind.PROVIDER_OPT_OUT})
# The contact's own unsubscribes: the contact lifts them in the preference centre.
CONTACT_UNSUBSCRIBES = frozenset(
    {SourceKind.ONE_CLICK_UNSUBSCRIBE, SourceKind.MAILTO_UNSUBSCRIBE, SourceKind.PREFERENCE_CENTRE}
)


def blocks(*, session: Session, contact: Contact, channel: Channel) -> list[Block]:
    """What stands between the contact and `channel`, strongest first (empty: staff may resubscribe)."""
    found = {
        Block(SourceKind(e.source), e.occurred_at)
        for e in since_last_grant(session=session, contact=contact, channel=channel)
        if e.source in SEVERITY
    }
    found |= _legacy_blocks(session=session, contact=contact, channel=channel)
    return _strongest_first(found)


def _strongest_first(found: set[Block]) -> list[Block]:
    return sorted(found, key=lambda b: (SEVERITY.index(b.source), -(b.at.timestamp() if b.at else 0)))


def check_resubscribe(
    *, session: Session, contact: Contact, channel: Channel, source: ConsentSource, reason: str | None
) -> bool:
    """Raise if `source` may not give the contact `channel` back; True when this lifts a bounce
    or provider suppression (an admin, with a reason: recorded as `unsuppressed`)."""
    return check_lift(blocks(session=session, contact=contact, channel=channel), channel, source, reason)


def address_blocks(*, session: Session, channel: Channel, address: str) -> list[Block]:
    """What stands between a (canonical) address and `channel`: the blocks of every contact
    holding it, the ledger's entries about it without a contact, and its suppression row."""
    found: set[Block] = set()
    column = col(Contact.email) if channel == Channel.EMAIL else col(Contact.phone)
    for contact in session.exec(select(Contact).where(column == address)).all():
        found |= set(blocks(session=session, contact=contact, channel=channel))
    found |= {
        Block(SourceKind(e.source), e.occurred_at)
        for e in since_last_grant_of_address(session=session, channel=channel, address=address)
        if e.source in SEVERITY
    }
    row = find_suppression(session, channel, address)
    if row is not None and (kind := _suppression_source(row, channel)) is not None:
        found.add(Block(kind))
    if tombstones.erased(session=session, channel=channel, addresses={address}):
        found.add(Block(SourceKind.ERASURE))
    return _strongest_first(found)


def check_lift(found: list[Block], channel: Channel, source: ConsentSource, reason: str | None) -> bool:
    """The rules' answer for `blocks` or `address_blocks`: raise if `source` may not lift them;
    True when this lifts a bounce or provider suppression (an admin, with a reason)."""
    if not found:
        return False
    if source.kind == SourceKind.PREFERENCE_CENTRE:
        if (kept := not_for_the_contact(found)) is not None:
            raise _refused(refusal(kept, channel))
        return False  # the contact undoing their own unsubscribe: the latest action wins
    block = found[0]
    if block.source in ADMIN_WITH_REASON:
        if source.role != Role.ADMIN:
            raise _refused(refusal(block, channel))
        if not (reason or "").strip():
            message = f"Say why the {_what(block)} may be lifted: a reason is required."
            raise ValidationFailed(message, details=[{"field": "reason", "message": message}])
        return True
    raise _refused(refusal(block, channel))


def not_for_the_contact(found: list[Block]) -> Block | None:
    """The strongest block the contact may not lift from the preference centre (a complaint,
    STOP, hard bounce, provider suppression); None when all are the contact's own unsubscribes."""
    return next((block for block in found if block.source not in CONTACT_UNSUBSCRIBES), None)


def refusal(block: Block, channel: Channel) -> str:
    """The reason in words a marketer acts on."""
    when = f" on {block.at:%Y-%m-%d %H:%M} UTC" if block.at else ""
    if block.source == SourceKind.ERASURE:
        return (
            "This address belonged to a person who had us erase their data (GDPR). It stays unsubscribed;"
            " only the person can opt in again, by signing up."
        )
    if block.source == SourceKind.COMPLAINT:
        return (
            f"The contact marked a campaign email as spam{when}. Email stays blocked until they opt in"
            " again through a confirmed double opt-in; it cannot be resubscribed by hand."
        )
    if block.source in PHONE_STOPS:
        return (
            f"The contact texted STOP{when}. Only the contact can opt in again, by texting START, UNSTOP"
            " or YES from that phone."
        )
    if block.source in (SourceKind.ONE_CLICK_UNSUBSCRIBE, SourceKind.MAILTO_UNSUBSCRIBE, SourceKind.PREFERENCE_CENTRE):
        what = "email" if channel == Channel.EMAIL else "text message"
        return (
            f"The contact unsubscribed with the link in a campaign {what}{when}. Only the contact can"
            " undo that (a new sign-up or the preference centre)."
        )
    return f"The {_what(block)}{when} can only be lifted by an admin, with a reason."


def _what(block: Block) -> str:
    return "hard bounce" if block.source == SourceKind.BOUNCE else "provider's suppression"


def _legacy_blocks(*, session: Session, contact: Contact, channel: Channel) -> set[Block]:
    """Blocks for opt-outs the ledger does not know: the contact's status and the suppression row."""
    found: set[Block] = set()
    if channel == Channel.EMAIL:
        if contact.email_status == EmailStatus.COMPLAINED:
            found.add(Block(SourceKind.COMPLAINT))
        elif contact.email_status == EmailStatus.BOUNCED:
            found.add(Block(SourceKind.BOUNCE))
    address = contact.email if channel == Channel.EMAIL else contact.phone
    if not address:
        return found
    row = session.exec(
        select(Suppression).where(
            col(Suppression.channel) == channel,
            col(Suppression.address) == opt_outs.canonical_address(channel, address),
        )
    ).first()
    if row is not None and (kind := _suppression_source(row, channel)) is not None:
        found.add(Block(kind))
    canonical = opt_outs.canonical_address(channel, address)
    if tombstones.erased(session=session, channel=channel, addresses={canonical}):
        found.add(Block(SourceKind.ERASURE))
    return found


def _suppression_source(row: Suppression, channel: Channel) -> SourceKind | None:
    """The source a pre-ledger suppression stands for (None: one staff may lift)."""
    if row.reason == opt_outs.COMPLAINT:
        return SourceKind.COMPLAINT
    if row.reason == opt_outs.HARD_BOUNCE:
        return SourceKind.BOUNCE
    if row.reason == opt_outs.PROVIDER_SUPPRESSED:
        return SourceKind.PROVIDER_OPT_OUT if channel == Channel.SMS else SourceKind.PROVIDER_SUPPRESSION
    if row.source == "unsubscribe_link":
        return SourceKind.ONE_CLICK_UNSUBSCRIBE
    if row.reason == opt_outs.SMS_OPT_OUT and row.source.startswith("twilio:"):
        return SourceKind.KEYWORD
    return None


def kept_statuses(*, session: Session, channel: Channel, addresses: set[str]) -> dict[str, str]:
    """The status new contacts with these (canonical) addresses start with, for the suppressed
    ones only: adding a contact (API, CSV import) never resubscribes an address that opted out,
    nor one that was erased (its tombstone, `tombstones`)."""
    if not addresses:
        return {}
    rows = session.exec(
        select(col(Suppression.address), col(Suppression.reason)).where(
            col(Suppression.channel) == channel, col(Suppression.address).in_(addresses)
        )
    ).all()
    gone = tombstones.erased(session=session, channel=channel, addresses=addresses)
    if channel == Channel.SMS:
        return {address: SmsStatus.OPTED_OUT for address in {a for a, _ in rows} | gone}
    by_reason = {opt_outs.COMPLAINT: EmailStatus.COMPLAINED, opt_outs.HARD_BOUNCE: EmailStatus.BOUNCED}
    kept: dict[str, str] = {address: EmailStatus.UNSUBSCRIBED for address in gone}
    return kept | {address: by_reason.get(reason, EmailStatus.UNSUBSCRIBED) for address, reason in rows}


def _refused(message: str) -> Conflict:
    return Conflict(message, details=[{"field": "channel", "message": message}])
