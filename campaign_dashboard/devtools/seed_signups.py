"""The demo's sign-ups (double opt-in): the Newsletter's form in use.

A few subscribed contacts confirmed a sign-up through the Newsletter form in the last days (a
`confirmed` entry from `double_opt_in` in their consent history, with the evidence the real
confirmation keeps), and two people signed up and have not followed their link yet (pending). The
form itself is served for every topic at `/signup/form?topic=<id>` and shown on the Topics page.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from campaign_dashboard.devtools.seed_consent import Person
from campaign_dashboard.models import EmailStatus, PendingSignup

CONFIRMED = 6
PENDING = (("lena.fischer@example.org", "Lena"), ("tom.okafor@example.com", "Tom"))
TOPIC = "Newsletter"


def confirmed_entries(rng: random.Random, now: datetime, people: Sequence[Person]) -> list[dict[str, Any]]:
    """The ledger entries of the contacts who confirmed a sign-up (the caller inserts them in time
    order with the rest of the history)."""
    subscribed = [p for p in people if p.email_status == EmailStatus.SUBSCRIBED]
    chosen = rng.sample(subscribed, min(CONFIRMED, len(subscribed)))
    entries: list[dict[str, Any]] = []
    for person in sorted(chosen, key=lambda p: p.id):
        signed_up = now - timedelta(days=rng.uniform(1, 10))
        entries.append(
            {
                "contact_id": person.id,
                "channel": "email",
                "topic": None,
                "address": person.email,
                "event": "confirmed",
                "source": "double_opt_in",
                "source_detail": "sign-up form, confirmed with the link in the confirmation email",
                "occurred_at": signed_up + timedelta(minutes=rng.randint(2, 90)),
                "client_address": f"198.51.100.{rng.randrange(1, 255)}",
                "evidence": {
                    "signup_token": _hex(rng, 16),
                    "signup_client_address": f"198.51.100.{rng.randrange(1, 255)}",
                    "signed_up_at": signed_up.isoformat(),
                    "topics": [TOPIC],
                },
            }
        )
    return entries


def insert_pending(session, rng: random.Random, now: datetime, topic_ids: dict[str, int]) -> None:
    """Two sign-ups waiting for their confirmation; nobody holds their links."""
    for email, first_name in PENDING:
        asked = now - timedelta(hours=rng.uniform(1, 20))
        session.add(
            PendingSignup(
                email=email,
                first_name=first_name,
                topic_ids=[topic_ids[TOPIC]],
                token_hash=hashlib.sha256(_hex(rng, 43).encode()).hexdigest(),
                client_address=f"198.51.100.{rng.randrange(1, 255)}",
                created_at=asked,
                expires_at=asked + timedelta(hours=48),
                confirmation_sent_at=asked,
            )
        )


def _hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))
