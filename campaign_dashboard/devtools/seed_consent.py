"""The demo's consent: its topics, who left which topic, and the consent ledger's history.

Every contact was imported (an `opted_in` entry per address), the ones the demo left unsubscribed,
bounced, complained or opted out of texts have the entry that says so, and a few contacts changed
their topics in the preference centre (some left a topic and came back). The topic opt-outs are
chosen before the campaigns are written, so no campaign's recipients include a contact who left
its topic: what the real snapshot does.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any, Protocol

from sqlalchemy import insert

from campaign_dashboard.devtools.demo_content import TOPIC_LEAVERS, TOPICS
from campaign_dashboard.models import ConsentEntry, EmailStatus, Topic, TopicOptOut, id_of

IMPORTED = "demo-contacts.csv, by Demo Admin"
# Opt-outs are older than the oldest demo campaign (40 days), so every campaign already saw them.
BEFORE_CAMPAIGNS = timedelta(days=45)


class Person(Protocol):
    id: int
    email: str
    phone: str | None
    email_status: str
    sms_ok: bool
    created: datetime
    topics_out: set[tuple[str, str]]


def insert_topics(session, now: datetime) -> dict[str, int]:
    """The workspace's topics; their ids by name."""
    ids: dict[str, int] = {}
    for name, description in TOPICS:
        topic = Topic(name=name, description=description, created_at=now - timedelta(days=90))
        session.add(topic)
        session.flush()
        ids[name] = id_of(topic)
    return ids


def choose_topic_leavers(rng: random.Random, people: Sequence[Person], now: datetime) -> None:
    """Mark on each person the (channel, topic) they left: only subscribed contacts known for long
    enough that they left before the first demo campaign."""
    for person in people:
        if now - person.created < BEFORE_CAMPAIGNS + timedelta(days=2):
            continue
        for (channel, topic), share in TOPIC_LEAVERS.items():
            subscribed = person.email_status == EmailStatus.SUBSCRIBED if channel == "email" else person.sms_ok
            if subscribed and rng.random() < share:
                person.topics_out.add((channel, topic))


def insert_opt_outs_and_ledger(
    session,
    rng: random.Random,
    now: datetime,
    people: Sequence[Person],
    topic_ids: dict[str, int],
    extra: Sequence[dict[str, Any]] = (),
) -> int:
    """The topic opt-out rows and the whole ledger history (with `extra` entries, the sign-ups'),
    set-based; how many entries."""
    opt_outs: list[dict[str, Any]] = [
        {"topic_id": topic_ids[topic], "channel": channel, "contact_id": p.id, "created_at": _left_at(rng, p, now)}
        for p in people
        for channel, topic in sorted(p.topics_out)
    ]
    if opt_outs:
        session.execute(insert(TopicOptOut), opt_outs)
    left = {(row["contact_id"], row["channel"], row["topic_id"]): row["created_at"] for row in opt_outs}
    entries: list[dict[str, Any]] = []
    for p in people:
        entries.append(_entry(p, "email", p.email, "opted_in", "csv_import", p.created, detail=IMPORTED))
        if p.phone:
            entries.append(_entry(p, "sms", p.phone, "opted_in", "csv_import", p.created, detail=IMPORTED))
        later = p.created + (now - p.created) * rng.uniform(0.2, 0.9)
        if p.email_status == EmailStatus.UNSUBSCRIBED:
            entries.append(_entry(p, "email", p.email, "opted_out", "one_click_unsubscribe", later, rng=rng))
        elif p.email_status == EmailStatus.BOUNCED:
            entries.append(_entry(p, "email", p.email, "suppressed", "bounce", later))
        elif p.email_status == EmailStatus.COMPLAINED:
            entries.append(_entry(p, "email", p.email, "opted_out", "complaint", later))
        if p.phone and not p.sms_ok:
            stop = _entry(p, "sms", p.phone, "opted_out", "keyword", later, evidence={"keyword": "STOP"})
            entries.append({**stop, "client_address": p.phone})
        for channel, topic in sorted(p.topics_out):
            address = p.email if channel == "email" else p.phone or ""
            at = left[(p.id, channel, topic_ids[topic])]
            entries.append(_entry(p, channel, address, "opted_out", "preference_centre", at, topic=topic, rng=rng))
        # Some came back: they left Offers by email and ticked it again a week later.
        if p.email_status == EmailStatus.SUBSCRIBED and ("email", "Offers") not in p.topics_out and rng.random() < 0.02:
            gone = p.created + (now - p.created) * rng.uniform(0.1, 0.5)
            for event, at in (("opted_out", gone), ("resubscribed", gone + timedelta(days=7))):
                entries.append(_entry(p, "email", p.email, event, "preference_centre", at, topic="Offers", rng=rng))
    entries += extra
    entries.sort(key=lambda e: e["occurred_at"])  # ids in time order, as the app writes them
    session.execute(insert(ConsentEntry), entries)
    return len(entries)


def _left_at(rng: random.Random, person: Person, now: datetime) -> datetime:
    start, end = person.created + timedelta(days=1), now - BEFORE_CAMPAIGNS
    return start + (end - start) * rng.random()


def _entry(
    person: Person,
    channel: str,
    address: str,
    event: str,
    source: str,
    at: datetime,
    *,
    detail: str = "",
    topic: str | None = None,
    evidence: dict[str, Any] | None = None,
    rng: random.Random | None = None,
) -> dict[str, Any]:
    client = None
    if rng is not None:  # the contact's own click: their address (TEST-NET-3) and the link's fingerprint
        client = f"203.0.113.{rng.randrange(1, 255)}"
        evidence = {"link_token": "".join(rng.choice("0123456789abcdef") for _ in range(16))}
    return {
        "contact_id": person.id,
        "channel": channel,
        "topic": topic,
        "address": address,
        "event": event,
        "source": source,
        "source_detail": detail or ("preference centre" if source == "preference_centre" else ""),
        "occurred_at": at,
        "client_address": client,
        "evidence": evidence,
    }
