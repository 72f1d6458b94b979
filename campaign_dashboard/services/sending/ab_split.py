"""Who tests which variant of an A/B campaign, and who waits for the winner.

At start, the campaign's pending recipients are ordered by a stable hash of (campaign id, contact
id); the first `test_share` percent of them, dealt out in turn, are the variants' groups (so each
variant gets the same number, give or take one), the others are the remainder. The group is
stored on each ledger row in the start's own transaction, so a crash either keeps all of it or
none, and a recipient is in one group and sent once. Until the winner is decided, the remainder
is not claimable (`held`); then it is sent the winner.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from typing import Any

from sqlalchemy import ColumnElement, bindparam, or_, select, update
from sqlmodel import Session, col

from campaign_dashboard.models import AbTest, Channel, RecipientStatus, table_of
from campaign_dashboard.models.ab_tests import REMAINDER
from campaign_dashboard.services.channels import recipient_model


def hash_key(campaign_id: int, contact_id: int) -> bytes:
    """The stable order of a contact within one campaign (the same in every process and release)."""
    return hashlib.sha256(f"ab:{campaign_id}:{contact_id}".encode()).digest()[:8]


def sample_size(audience: int, share: int, variants: int) -> int:
    """How many of `audience` test the variants: `share` percent, rounded, at least one per
    variant when there are that many recipients."""
    return min(audience, max(variants, (audience * share + 50) // 100))


def split(campaign_id: int, contact_ids: Iterable[int], *, share: int, variants: int) -> dict[int, int]:
    """contact id -> variant index (0 is A) or REMAINDER. Pure: the same input, the same split."""
    ordered = sorted(set(contact_ids), key=lambda c: (hash_key(campaign_id, c), c))
    testing = sample_size(len(ordered), share, variants)
    return {c: (rank % variants if rank < testing else REMAINDER) for rank, c in enumerate(ordered)}


def assign_groups(session: Session, channel: Channel | str, campaign_id: int) -> int:
    """Write each pending recipient's group, in the caller's transaction (the start's); how many
    test the variants. Nothing for a campaign without an A/B test."""
    test = test_of(session, channel, campaign_id)
    if test is None:
        return 0
    ledger = table_of(recipient_model(channel))
    pending = (ledger.c.campaign_id == campaign_id, ledger.c.status == RecipientStatus.PENDING.value)
    rows: list[Any] = list(session.execute(select(ledger.c.id, ledger.c.contact_id).where(*pending)).all())
    # a row without a contact (none at start today) is ordered by its own id
    by_contact: dict[int, int] = {int(c) if c is not None else -int(r): int(r) for r, c in rows}
    groups = split(campaign_id, by_contact, share=test.test_share, variants=len(test.variants))
    session.execute(update(ledger).where(*pending).values(ab_group=REMAINDER))
    tested = [{"rid": by_contact[c], "g": g} for c, g in groups.items() if g != REMAINDER]
    if tested:
        session.execute(
            ledger.update().where(ledger.c.id == bindparam("rid")).values(ab_group=bindparam("g")),
            tested,
        )
    test.remainder = len(groups) - len(tested)  # what the campaign page says waits for the winner
    session.add(test)
    return len(tested)


def test_of(session: Session, channel: Channel | str, campaign_id: int) -> AbTest | None:
    return session.scalars(
        select(AbTest).where(col(AbTest.channel) == Channel(channel).value, col(AbTest.campaign_id) == campaign_id)
    ).first()


def holds_remainder(session: Session, channel: Channel | str, campaign_id: int) -> bool:
    """True while the campaign's remainder waits for the winner (an A/B test not decided yet)."""
    return (
        session.scalar(
            select(col(AbTest.id)).where(
                col(AbTest.channel) == Channel(channel).value,
                col(AbTest.campaign_id) == campaign_id,
                col(AbTest.decided_at).is_(None),
            )
        )
        is not None
    )


def claimable(channel: Channel | str) -> ColumnElement[bool]:
    """The rows that do not wait for a winner (every row of a campaign without an A/B test)."""
    group = col(recipient_model(channel).ab_group)
    return or_(group.is_(None), group != REMAINDER)


def waiting(channel: Channel | str) -> ColumnElement[bool]:
    return col(recipient_model(channel).ab_group) == REMAINDER
