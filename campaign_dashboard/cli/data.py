"""Database commands: `migrate` and `seed-demo`. `migrate_database` is also what every other
command that touches the database runs first."""

from __future__ import annotations

import argparse
import time

from campaign_dashboard.cli.registry import arg, command
from campaign_dashboard.config import Settings, get_settings


def migrate_database(settings: Settings) -> None:
    from campaign_dashboard.migrations import upgrade

    upgrade(settings.database_url)


def seed_database(settings: Settings, *, contacts: int = 3000) -> None:
    from campaign_dashboard.db import session_scope
    from campaign_dashboard.devtools.seed import seed_demo

    started = time.monotonic()
    with session_scope() as session:
        summary = seed_demo(session=session, contacts=contacts)
    if summary is None:
        print("The database already has data: demo data not added.")
        return
    print(
        f"Demo data added in {time.monotonic() - started:.1f} s: {summary.contacts:,} contacts, "
        f"{summary.segments} segments, {summary.templates} templates, {summary.email_campaigns} email "
        f"and {summary.sms_campaigns} SMS campaigns, {summary.recipients:,} recipient rows."
    )
    if summary.admin_email:
        print(
            f"Development login: {summary.admin_email} / password {summary.admin_password!r} "
            "(created only when ENV=development)."
        )


@command("migrate", "Apply the database migrations (safe to run at every start).")
def migrate_command(args: argparse.Namespace) -> int:
    settings = get_settings()
    migrate_database(settings)
    print(f"Database is up to date ({_safe_url(settings.database_url)}).")
    return 0


@command(
    "seed-demo",
    "Migrate, then fill an EMPTY database with demo contacts, segments and campaigns.",
    arg("--contacts", type=int, default=3000, help="how many demo contacts (default 3000)"),
)
def seed_demo_command(args: argparse.Namespace) -> int:
    settings = get_settings()
    migrate_database(settings)
    seed_database(settings, contacts=args.contacts)
    return 0


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)
