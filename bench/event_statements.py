"""SQL statements per email event, one per transaction and in batches (docs/scaling.md).

Counts every statement the event path sends to the database (an SQLAlchemy cursor hook; COMMIT is
not a cursor statement: add one per batch) for 1,000 events over 400 messages, the webhook
benchmark's mix. Run from the project root:

    PYTHONPATH=. .venv/bin/python bench/event_statements.py [postgresql://postgres@127.0.0.1:5432/postgres]
"""

from __future__ import annotations

import random
import sys
import tempfile
import uuid
from collections import Counter
from datetime import timedelta

from sqlalchemy import event
from sqlmodel import Session

from campaign_dashboard.db import make_engine
from campaign_dashboard.devtools.bench.webhooks_data import fresh_database
from campaign_dashboard.models import utcnow
from campaign_dashboard.services.events.email_events import EmailEventIn, EmailEventType, apply_email_events
from tests.factories import make_email_campaign
from tests.helpers.events import make_sent_email

KINDS = [EmailEventType.DELIVERED, EmailEventType.OPENED, EmailEventType.CLICKED, EmailEventType.BOUNCED]


def main(server_url: str | None) -> None:
    with fresh_database(server_url or f"sqlite:///{tempfile.mkdtemp()}/statements.db") as url:
        engine = make_engine(url)
        with Session(engine, expire_on_commit=False) as session:
            campaign = make_email_campaign(session, status="sending")
            messages = [make_sent_email(session, campaign=campaign).provider_message_id for _ in range(400)]
            session.commit()
        rng = random.Random(1)
        start = utcnow() - timedelta(minutes=5)
        counted: Counter[str] = Counter()

        @event.listens_for(engine, "before_cursor_execute")
        def count(conn, cursor, statement, params, context, executemany) -> None:
            counted[statement.split()[0].upper()] += 1

        for size in (1, 10, 50):
            counted.clear()
            events = []
            for _ in range(1000):
                kind = rng.choices(KINDS, [35, 40, 20, 5])[0]
                link = "https://example.com/a" if kind == EmailEventType.CLICKED else None
                at = start + timedelta(seconds=rng.randrange(60))
                events.append(EmailEventIn(f"e{uuid.uuid4().hex}", kind, rng.choice(messages), at, link=link))
            with Session(engine, expire_on_commit=False) as session:
                for i in range(0, len(events), size):
                    apply_email_events(session=session, events=events[i : i + size])
            per_event = {name: round(n / 1000, 2) for name, n in sorted(counted.items())}
            print(f"{engine.dialect.name}, batches of {size}: {sum(counted.values()) / 1000:.2f} per event {per_event}")
        engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1] if len(sys.argv) > 1 else None)
