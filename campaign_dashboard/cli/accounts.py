"""Account commands: API tokens (`token create|list|revoke`) and dashboard users (`user create|reset-password`)."""

from __future__ import annotations

import argparse
import getpass
import sys

from campaign_dashboard.cli.data import migrate_database
from campaign_dashboard.cli.registry import arg, command
from campaign_dashboard.config import get_settings
from campaign_dashboard.models import Role

ROLES = [r.value for r in Role]


@command(
    "token create",
    "Create an API token; it is printed once on stdout and stored only hashed.",
    arg("--name", required=True, help="what the token is for"),
    arg("--role", required=True, choices=ROLES),
    arg("--expires-days", type=int, help="refuse the token after this many days (default: until revoked)"),
)
def token_create_command(args: argparse.Namespace) -> int:
    from datetime import timedelta

    from campaign_dashboard.db import session_scope
    from campaign_dashboard.services.accounts.tokens import create_token

    migrate_database(get_settings())
    expires_in = timedelta(days=args.expires_days) if args.expires_days is not None else None
    with session_scope() as session:
        row, plain = create_token(session=session, name=args.name, role=args.role, expires_in=expires_in)
    until = f", expires {_when(row.expires_at)}" if row.expires_at else ""
    print(
        f"Created API token {row.id} {row.name!r} ({row.role}{until}). Store it now: it is not shown again.",
        file=sys.stderr,
    )
    print(plain)
    return 0


@command("token list", "List API tokens (never the secret): id, prefix, role, last use, expiry, state.")
def token_list_command(args: argparse.Namespace) -> int:
    from campaign_dashboard.db import session_scope
    from campaign_dashboard.services.accounts.tokens import is_live, list_tokens

    migrate_database(get_settings())
    with session_scope() as session:
        rows = list_tokens(session=session)
    print(
        f"{'ID':>5}  {'PREFIX':<10}  {'ROLE':<8}  {'STATE':<7}  {'CREATED':<16}  {'LAST USED':<16}  "
        f"{'EXPIRES':<16}  NAME"
    )
    for t in rows:
        state = "live" if is_live(t) else ("revoked" if t.revoked_at else "expired")
        print(
            f"{t.id:>5}  {t.prefix:<10}  {t.role:<8}  {state:<7}  {_when(t.created_at):<16}  "
            f"{_when(t.last_used_at):<16}  {_when(t.expires_at):<16}  {t.name}"
        )
    return 0


@command(
    "token revoke",
    "Revoke an API token for good (by the id `token list` shows).",
    arg("token_id", type=int, help="the token's id"),
)
def token_revoke_command(args: argparse.Namespace) -> int:
    from campaign_dashboard.db import session_scope
    from campaign_dashboard.services.accounts.tokens import revoke_token

    migrate_database(get_settings())
    with session_scope() as session:
        row = revoke_token(session=session, token_id=args.token_id)
    print(f"Revoked API token {row.id} {row.name!r} ({row.role}).")
    return 0


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") if moment else "-"


@command(
    "user create",
    "Create a dashboard user (prompts for the password unless --password is given).",
    arg("--email", required=True),
    arg("--name", default=""),
    arg("--role", required=True, choices=ROLES),
    arg("--password", help="omit to be prompted (keeps it out of your shell history)"),
)
def user_create_command(args: argparse.Namespace) -> int:
    from campaign_dashboard.db import session_scope
    from campaign_dashboard.services.accounts.users import create_user

    password = args.password
    if password is None:
        password = getpass.getpass("Password: ")
        if getpass.getpass("Repeat password: ") != password:
            print("error: the passwords differ.", file=sys.stderr)
            return 1
    migrate_database(get_settings())
    with session_scope() as session:
        user = create_user(
            session=session, email=args.email, name=args.name or args.email, password=password, role=args.role
        )
    print(f"Created user {user.email} ({user.role}).")
    return 0


@command(
    "user reset-password",
    "Give a user a one-time password, printed once; they must choose a new one at their next login.",
    arg("--email", required=True),
)
def user_reset_password_command(args: argparse.Namespace) -> int:
    from campaign_dashboard.db import session_scope
    from campaign_dashboard.services.accounts.users import reset_password_from_console
    from campaign_dashboard.services.errors import NotFound

    migrate_database(get_settings())
    with session_scope() as session:
        try:
            user, temporary = reset_password_from_console(session=session, email=args.email)
        except NotFound as exc:
            print(f"error: {exc.message}", file=sys.stderr)
            return 1
    print(f"One-time password for {user.email}: {temporary}")
    print("They must choose a new password when they next sign in; their open sessions have ended.")
    return 0
