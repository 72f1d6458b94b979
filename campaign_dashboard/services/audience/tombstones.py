"""Tombstones of erased addresses: what a GDPR erasure leaves so the address stays suppressed.

An erasure removes the address itself; what is kept is a suppression row whose address is
`erased:<HMAC-SHA256 of the canonical address, keyed with SECRET_KEY>` and whose reason is
`erased`. Nobody can read the address back from it, but the same address added again (import,
API, dashboard) hashes to the same tombstone and starts unsubscribed on that channel.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Iterable

from sqlalchemy import insert
from sqlmodel import Session, col, select

from campaign_dashboard.config import get_settings
from campaign_dashboard.models import Channel, Suppression, table_of, utcnow

PREFIX = "erased:"
REASON = "erased"
SOURCE = "gdpr_erasure"


def marker(channel: Channel | str, address: str, *, secret_key: str | None = None) -> str:
    """The tombstone of a canonical address on `channel` (the channel is part of the hash)."""
    key = (secret_key or get_settings().secret_key).encode()
    digest = hmac.new(key, f"{Channel(channel).value}:{address}".encode(), hashlib.sha256).hexdigest()
    return PREFIX + digest


def erased(*, session: Session, channel: Channel | str, addresses: Iterable[str]) -> set[str]:
    """The (canonical) addresses among `addresses` that were erased on `channel`."""
    by_marker = {marker(channel, address): address for address in addresses if address}
    if not by_marker:
        return set()
    found = session.exec(
        select(col(Suppression.address)).where(
            col(Suppression.channel) == Channel(channel).value, col(Suppression.address).in_(by_marker)
        )
    ).all()
    return {by_marker[m] for m in found}


def bury(*, session: Session, channel: Channel | str, address: str) -> str:
    """Add the address's tombstone (kept if it is there already); no commit. Returns the marker."""
    tombstone = marker(channel, address)
    channel = Channel(channel).value
    exists = session.exec(
        select(col(Suppression.id)).where(col(Suppression.channel) == channel, col(Suppression.address) == tombstone)
    ).first()
    if exists is None:
        session.execute(
            insert(table_of(Suppression)),
            [{"channel": channel, "address": tombstone, "reason": REASON, "source": SOURCE, "created_at": utcnow()}],
        )
    return tombstone
