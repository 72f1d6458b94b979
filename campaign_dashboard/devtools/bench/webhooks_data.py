"""The workload of `bench webhooks`: a fresh database with a sent email campaign, the signed Resend
events for its messages (~10% replays, shuffled), and the counters exactly-once application of
those events must leave, to compare with what the app stored."""

from __future__ import annotations

import json
import random
import secrets
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

KINDS = ("email.delivered", "email.opened", "email.clicked", "email.bounced")
WEIGHTS = (35, 40, 20, 5)
DUPLICATE_SHARE = 0.10
SPREAD_S = 60  # live webhooks: events happened within the last minute (hot minute buckets)
COUNTERS = ("delivered", "opened", "unique_opens", "clicked", "unique_clicks", "bounced")


@dataclass(frozen=True)
class Target:
    """A message the campaign sent: what an event names."""

    message_id: str
    recipient_id: int
    address: str


@dataclass(frozen=True)
class Request:
    kind: str
    message_id: str
    body: bytes
    headers: dict[str, str]


# ------------------------------------------------------------------ database


@contextmanager
def fresh_database(url: str | None) -> Iterator[str]:
    """A new, migrated database: a temporary SQLite file by default, or the SQLite file named (an
    existing one is refused, never reused); on a PostgreSQL server a database of its own
    (`cd_bench_webhooks_<random>`), dropped afterwards."""
    from sqlalchemy.engine import make_url

    from campaign_dashboard.devtools.bench.database import fresh_database as new_database
    from campaign_dashboard.migrations import upgrade

    if url is not None and make_url(url).get_backend_name() == "sqlite":
        if Path(make_url(url).database or "").exists():
            raise SystemExit(f"error: {make_url(url).database} exists; the benchmark needs a fresh database")
        upgrade(url)
        yield url
        return
    if url is not None and make_url(url).get_backend_name() != "postgresql":
        raise SystemExit("error: --database-url must be a PostgreSQL or SQLite URL")
    with (
        tempfile.TemporaryDirectory(prefix="bench-webhooks-") as tmp,
        new_database(server_url=url, data_dir=Path(tmp), prefix="cd_bench_webhooks") as bench_url,
    ):
        yield bench_url


def sent_campaign(name: str, subject: str, *, messages: int, at: datetime):
    """An email campaign row in `sent` state whose `messages` emails all went out at `at`."""
    from campaign_dashboard.models import EmailCampaign

    return EmailCampaign(
        name=name,
        status="sent",
        subject=subject,
        from_email="bench@example.com",
        recipients=messages,
        processed=messages,
        sent=messages,
        started_at=at,
        completed_at=at,
    )


def seed_sent_campaign(url: str, *, messages: int) -> tuple[int, list[Target]]:
    """A campaign in `sent` state whose `messages` emails were accepted by the provider."""
    from sqlmodel import Session

    from campaign_dashboard.db import make_engine
    from campaign_dashboard.models import Contact, EmailCampaignRecipient, SentEmail, id_of, utcnow

    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            now = utcnow()
            campaign = sent_campaign("Webhook benchmark", "Benchmark", messages=messages, at=now)
            addresses = [f"bench-{i}@example.com" for i in range(messages)]
            contacts = [Contact(email=address) for address in addresses]
            session.add(campaign)
            session.add_all(contacts)
            session.flush()
            campaign_id = id_of(campaign)
            message_ids = [str(uuid.uuid4()) for _ in contacts]
            recipients = [
                EmailCampaignRecipient(
                    campaign_id=campaign_id,
                    contact_id=c.id,
                    address=address,
                    status="sent",
                    provider_message_id=message_id,
                    sent_at=now,
                    attempts=1,
                )
                for c, address, message_id in zip(contacts, addresses, message_ids, strict=True)
            ]
            session.add_all(recipients)
            session.flush()
            targets = [
                Target(message_id, id_of(r), address)
                for r, address, message_id in zip(recipients, addresses, message_ids, strict=True)
            ]
            session.add_all(
                SentEmail(
                    campaign_id=campaign_id,
                    recipient_id=t.recipient_id,
                    contact_id=r.contact_id,
                    provider_message_id=t.message_id,
                    to_address=t.address,
                    subject="Benchmark",
                    sent_at=now,
                )
                for r, t in zip(recipients, targets, strict=True)
            )
            session.commit()
            return campaign_id, targets
    finally:
        engine.dispose()


# ------------------------------------------------------------------ events


def make_requests(
    targets: list[Target], *, campaign_id: int, events: int, secret: str, rng: random.Random
) -> tuple[list[Request], dict[str, int]]:
    """`events` signed requests, ~10% of them replays, shuffled; and the counters they imply."""
    from svix.webhooks import Webhook

    from campaign_dashboard.emulator import payloads, world
    from campaign_dashboard.emulator.state import Message

    svix = Webhook(secret)
    signed_at = time.time()
    unique: list[Request] = []
    for _ in range(events - round(events * DUPLICATE_SHARE)):
        target = rng.choice(targets)
        kind = rng.choices(KINDS, WEIGHTS)[0]
        detail: dict[str, Any] = {}
        if kind == "email.bounced":
            detail = {"bounce": world.PERMANENT if rng.random() < 0.5 else world.TRANSIENT}
        elif kind == "email.clicked":
            detail = {"link": "https://example.com/offer"}
        message = Message(
            id=target.message_id,
            channel="email",
            to=[target.address],
            campaign=str(campaign_id),
            recipient=str(target.recipient_id),
            data={
                "from": "Bench <bench@example.com>",
                "to": [target.address],
                "subject": "Benchmark",
                "tags": [{"name": "campaign_id", "value": str(campaign_id)}],
            },
        )
        happened = signed_at - rng.uniform(0, SPREAD_S)
        body = json.dumps(payloads.resend_event(kind, message, detail, happened))
        msg_id = "msg_" + secrets.token_urlsafe(18)
        headers = {
            "content-type": "application/json",
            "svix-id": msg_id,
            "svix-timestamp": str(int(signed_at)),
            "svix-signature": svix.sign(msg_id, datetime.fromtimestamp(int(signed_at), tz=UTC), body),
        }
        unique.append(Request(kind, target.message_id, body.encode(), headers))
    requests = unique + [rng.choice(unique) for _ in range(events - len(unique))]
    rng.shuffle(requests)
    return requests, expected_counters(unique)


def expected_counters(unique: list[Request]) -> dict[str, int]:
    """What exactly-once application of these events must leave on the campaign."""
    per_message: dict[str, Counter[str]] = {}
    for request in unique:
        per_message.setdefault(request.message_id, Counter())[request.kind] += 1
    expected: Counter[str] = Counter()
    for kinds in per_message.values():
        expected["delivered"] += bool(kinds["email.delivered"])
        expected["opened"] += kinds["email.opened"]
        expected["unique_opens"] += bool(kinds["email.opened"])
        expected["clicked"] += kinds["email.clicked"]
        expected["unique_clicks"] += bool(kinds["email.clicked"])
        expected["bounced"] += bool(kinds["email.bounced"])
    expected["events"] = len(unique)
    return {name: expected[name] for name in (*COUNTERS, "events")}


def stored_counters(url: str, campaign_id: int) -> tuple[dict[str, int], dict[str, int]]:
    """The campaign's counters (plus stored events), and the sums of its minute buckets."""
    from sqlalchemy import func, select
    from sqlmodel import Session, col

    from campaign_dashboard.db import make_engine
    from campaign_dashboard.models import CampaignStatsMinute, EmailCampaign, EmailEvent

    engine = make_engine(url)
    try:
        with Session(engine) as session:
            campaign = session.get(EmailCampaign, campaign_id)
            counters = {name: getattr(campaign, name) for name in COUNTERS}
            counters["events"] = session.execute(
                select(func.count()).select_from(EmailEvent).where(col(EmailEvent.campaign_id) == campaign_id)
            ).scalar_one()
            buckets = dict(
                session.execute(
                    select(col(CampaignStatsMinute.metric), func.sum(col(CampaignStatsMinute.count)))
                    .where(
                        col(CampaignStatsMinute.channel) == "email",
                        col(CampaignStatsMinute.campaign_id) == campaign_id,
                    )
                    .group_by(col(CampaignStatsMinute.metric))
                )
                .tuples()
                .all()
            )
            return counters, {name: int(buckets.get(name, 0)) for name in COUNTERS}
    finally:
        engine.dispose()


def store_history(url: str, *, events: int) -> None:
    """`events` stored events of an earlier campaign (a delivered, an open and a click for each of
    events/3 messages, with their contacts, ledger and sent emails), all by INSERT ... SELECT: the
    tables and unique indexes the timed events go into are then as big as a busy install's."""
    from sqlalchemy import String, cast, insert, literal, select, union_all
    from sqlmodel import Session

    from campaign_dashboard.db import make_engine
    from campaign_dashboard.devtools.bench.database import RECIPIENT_COLUMNS, insert_contacts, insert_sent_emails
    from campaign_dashboard.models import (
        Contact,
        EmailCampaignRecipient,
        EmailEvent,
        SentEmail,
        id_of,
        table_of,
        utcnow,
    )

    messages = max(events // 3, 1)
    engine = make_engine(url)
    try:
        now = utcnow()
        insert_contacts(engine, messages, prefix="history-")
        with engine.begin() as conn:
            with Session(bind=conn) as session:
                earlier = sent_campaign("Earlier campaign", "Earlier", messages=messages, at=now)
                session.add(earlier)
                session.flush()
                campaign_id = id_of(earlier)
            contacts, recipients = table_of(Contact), table_of(EmailCampaignRecipient)
            picked = select(
                literal(campaign_id),
                contacts.c.id,
                contacts.c.email,
                literal("clicked"),
                literal(1),
                literal("history-") + cast(contacts.c.id, String),
                literal(now, type_=recipients.c.sent_at.type),
                literal(now, type_=recipients.c.updated_at.type),
            ).where(contacts.c.email.like("history-%"))
            conn.execute(insert(EmailCampaignRecipient).from_select(list(RECIPIENT_COLUMNS), picked))
            insert_sent_emails(conn, recipients.c.campaign_id == campaign_id, subject="Earlier")
            sent = table_of(SentEmail)
            event_rows = union_all(
                *(
                    select(
                        literal(f"history-{kind}-") + cast(sent.c.id, String),
                        literal(kind),
                        sent.c.campaign_id,
                        sent.c.recipient_id,
                        sent.c.id,
                        sent.c.provider_message_id,
                        literal(False),
                        literal({}, type_=table_of(EmailEvent).c.payload.type),
                        literal(now, type_=table_of(EmailEvent).c.occurred_at.type),
                        literal(now, type_=table_of(EmailEvent).c.received_at.type),
                    ).where(sent.c.campaign_id == campaign_id)
                    for kind in ("delivered", "opened", "clicked")
                )
            )
            columns = [
                "provider_event_id",
                "type",
                "campaign_id",
                "recipient_id",
                "sent_email_id",
                "provider_message_id",
                "machine",
                "payload",
                "occurred_at",
                "received_at",
            ]
            conn.execute(insert(EmailEvent).from_select(columns, event_rows))
        if engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql("VACUUM ANALYZE")  # what autovacuum does to a day of new rows
    finally:
        engine.dispose()
