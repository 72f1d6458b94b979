"""A throwaway database for a benchmark, and contacts inserted by the database itself.

SQLite: a file in the benchmark's temp dir. PostgreSQL: a new database `cd_bench_<random>` on the
server of the URL given (the URL's own database is only used to create and drop it)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Integer, String, cast, create_engine, insert, literal, select
from sqlalchemy.engine import Engine, make_url

from campaign_dashboard.models import Contact, EmailStatus, SmsStatus, utcnow


@contextmanager
def fresh_database(*, server_url: str | None, data_dir: Path) -> Iterator[str]:
    """Yield the URL of a new, migrated database; it is dropped afterwards (the SQLite file goes
    with `data_dir`)."""
    from campaign_dashboard.migrations import upgrade

    if not server_url:
        url = f"sqlite:///{data_dir / 'bench.db'}"
        upgrade(url)
        yield url
        return
    server = make_url(server_url)
    if server.get_backend_name() != "postgresql":
        raise ValueError(f"--database-url must be a PostgreSQL URL, not {server.get_backend_name()}")
    if server.drivername == "postgresql":
        server = server.set(drivername="postgresql+psycopg")
    name = f"cd_bench_{uuid.uuid4().hex[:12]}"
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            url = server.set(database=name).render_as_string(hide_password=False)
            upgrade(url)
            yield url
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


def insert_contacts(engine: Engine, count: int, *, prefix: str = "bench") -> None:
    """`count` subscribed contacts `<prefix><i>@example.com`, `+1212<7 digits>`, first name
    `Name<i>`, in ONE INSERT ... SELECT over a generated sequence: no rows travel through Python,
    so a million contacts take seconds. Phone numbers avoid Twilio's magic test numbers."""
    seq = select(literal(1, Integer).label("i")).cte("seq", recursive=True)
    seq = seq.union_all(select(seq.c.i + 1).where(seq.c.i < count))
    i = seq.c.i
    now = literal(utcnow(), type_=Contact.__table__.c.created_at.type)
    rows = select(
        literal(f"{prefix}") + cast(i, String) + literal("@example.com"),
        literal("+1") + cast(i + 2120000000, String),
        literal("Name") + cast(i, String),
        literal(""),
        literal("UTC"),
        literal({}, type_=Contact.__table__.c.attributes.type),
        literal(EmailStatus.SUBSCRIBED.value),
        literal(SmsStatus.SUBSCRIBED.value),
        now,
        now,
    ).select_from(seq)
    columns = ["email", "phone", "first_name", "last_name", "timezone", "attributes", "email_status",
               "sms_status", "created_at", "updated_at"]
    with engine.begin() as conn:
        conn.execute(insert(Contact).from_select(columns, rows))
