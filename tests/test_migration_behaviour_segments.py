"""Migration 0008 fills the new `last_engaged_at` / `last_clicked_at` of emails sent before it
from their stored open and click events, so behaviour segments see past engagement."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
import sqlalchemy as sa

from alembic import command
from campaign_dashboard.migrations import alembic_config, upgrade
from tests.helpers.databases import new_postgres_database, postgres_unavailable_reason

OPENED, REOPENED, CLICKED = (datetime(2026, 3, d, 9, tzinfo=UTC) for d in (1, 20, 2))


@pytest.fixture(params=["sqlite", "postgresql"])
def old_database(request, tmp_path):
    """A database at the revision before behaviour segments."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path}/old.db"
        command.upgrade(alembic_config(url), "0007_sms_not_before")
        yield url
        return
    if reason := postgres_unavailable_reason():
        pytest.skip(reason)
    with new_postgres_database("cd_migration") as url:
        command.upgrade(alembic_config(url), "0007_sms_not_before")
        yield url


def test_past_opens_and_clicks_fill_the_new_columns(old_database):
    from campaign_dashboard.models import COUNTER_FIELDS, SentEmail, table_of

    engine = sa.create_engine(old_database)
    with engine.begin() as conn:
        # The tables as 0007 left them (the models have columns later migrations add).
        old = sa.MetaData()
        campaigns, sent_emails, events = (
            sa.Table(name, old, autoload_with=conn) for name in ("email_campaigns", "sent_emails", "email_events")
        )
        counters = [name for name in COUNTER_FIELDS if name in campaigns.c]  # the ones 0007 has
        values = dict.fromkeys(counters, 0) | {"name": "Old", "status": "sent", "subject": "", "from_email": ""}
        stamps = dict.fromkeys(("created_at", "updated_at", "last_activity_at"), OPENED)
        campaign = conn.execute(sa.insert(campaigns).values(**values, **stamps)).inserted_primary_key[0]
        rows = {}
        for key, first_open, first_click in (("clicker", OPENED, CLICKED), ("ignored", None, None)):
            rows[key] = conn.execute(
                sa.insert(sent_emails).values(  # the columns 0005 has
                    campaign_id=campaign,
                    contact_id=1,
                    provider_message_id=key,
                    to_address=f"{key}@example.com",
                    subject="",
                    status="sent",
                    sent_at=OPENED,
                    updated_at=OPENED,
                    open_count=0,
                    click_count=0,
                    first_opened_at=first_open,
                    first_clicked_at=first_click,
                )
            ).inserted_primary_key[0]
        for n, (kind, at) in enumerate((("opened", OPENED), ("opened", REOPENED), ("clicked", CLICKED))):
            conn.execute(
                sa.insert(events).values(
                    provider_event_id=f"e{n}",
                    type=kind,
                    campaign_id=campaign,
                    sent_email_id=rows["clicker"],
                    payload={},
                    occurred_at=at,
                    received_at=at,
                )
            )
    engine.dispose()

    upgrade(old_database)

    engine = sa.create_engine(old_database)
    sent = table_of(SentEmail)
    with engine.connect() as conn:
        found = dict(
            (row.provider_message_id, (row.last_engaged_at, row.last_clicked_at))
            for row in conn.execute(
                sa.select(sent.c.provider_message_id, sent.c.last_engaged_at, sent.c.last_clicked_at)
            )
        )
    engine.dispose()
    assert found == {"clicker": (REOPENED, CLICKED), "ignored": (None, None)}
