"""API tokens can expire and are listed and revoked from the command line; the SQLite database
and DATA_DIR are readable by their owner only (issue 9, section 6)."""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from campaign_dashboard.cli import ROOT
from campaign_dashboard.models import utcnow
from campaign_dashboard.services.accounts import tokens
from campaign_dashboard.services.errors import AuthenticationFailed, ValidationFailed


def test_a_token_stops_working_when_it_expires(session):
    start = utcnow()
    row, plain = tokens.create_token(session=session, name="ci", role="viewer", expires_in=timedelta(days=1), now=start)
    assert row.expires_at == start + timedelta(days=1)
    assert tokens.authenticate_token(session=session, token=plain, now=start + timedelta(hours=23)).id == row.id
    with pytest.raises(AuthenticationFailed):
        tokens.authenticate_token(session=session, token=plain, now=start + timedelta(days=1, seconds=1))
    assert not tokens.is_live(row, now=start + timedelta(days=2))


def test_a_token_lifetime_must_be_positive(session):
    with pytest.raises(ValidationFailed) as info:
        tokens.create_token(session=session, name="ci", role="viewer", expires_in=timedelta(0))
    assert info.value.details[0]["field"] == "expires_in"


def test_the_api_refuses_an_expired_token(engine, session):
    from campaign_dashboard.api import create_api

    _, plain = tokens.create_token(
        session=session, name="old", role="admin", expires_in=timedelta(minutes=5), now=utcnow() - timedelta(hours=1)
    )
    response = TestClient(create_api()).get("/api/v1/contacts", headers={"Authorization": f"Bearer {plain}"})
    assert response.status_code == 401
    assert "expired" in response.json()["error"]["message"]


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    env = dict(os.environ)
    env.update(DATA_DIR=str(tmp_path / "data"), DATABASE_URL=f"sqlite:///{tmp_path}/db/cli.db", ENV="development")
    return env


def run_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "campaign_dashboard", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_token_list_and_revoke_from_the_command_line(cli_env):
    created = run_cli(
        cli_env, "token", "create", "--name", "nightly export", "--role", "viewer", "--expires-days", "30"
    )
    assert created.returncode == 0, created.stderr
    plain = created.stdout.strip()
    assert "expires" in created.stderr

    listed = run_cli(cli_env, "token", "list")
    assert listed.returncode == 0, listed.stderr
    line = next(line_ for line_ in listed.stdout.splitlines() if "nightly export" in line_)
    token_id = line.split()[0]
    assert plain[:10] in line and "live" in line and "viewer" in line
    assert plain not in listed.stdout  # the secret is never shown again
    expiry = (utcnow() + timedelta(days=30)).strftime("%Y-%m-%d")
    assert expiry in line

    revoked = run_cli(cli_env, "token", "revoke", token_id)
    assert revoked.returncode == 0, revoked.stderr
    assert "nightly export" in revoked.stdout
    line = next(line_ for line_ in run_cli(cli_env, "token", "list").stdout.splitlines() if "nightly export" in line_)
    assert "revoked" in line

    missing = run_cli(cli_env, "token", "revoke", "999")
    assert missing.returncode == 1 and "999" in missing.stderr


def test_database_and_data_dir_are_private(cli_env, tmp_path):
    old_umask = os.umask(0o022)
    try:
        result = run_cli(cli_env, "token", "create", "--name", "x", "--role", "viewer")
    finally:
        os.umask(old_umask)
    assert result.returncode == 0, result.stderr
    mode = lambda p: stat.S_IMODE(p.stat().st_mode)  # noqa: E731
    assert mode(tmp_path / "data") == 0o700
    assert mode(tmp_path / "db") == 0o700
    database = tmp_path / "db" / "cli.db"
    assert mode(database) == 0o600
    for companion in (tmp_path / "db").glob("cli.db-*"):  # WAL and shared memory, while they exist
        assert mode(companion) == 0o600, companion


def test_an_existing_world_readable_database_is_tightened(cli_env, tmp_path):
    (tmp_path / "db").mkdir(mode=0o755)
    database = tmp_path / "db" / "cli.db"
    database.touch()
    database.chmod(0o644)
    (tmp_path / "db").chmod(0o755)
    assert run_cli(cli_env, "migrate").returncode == 0
    assert stat.S_IMODE(database.stat().st_mode) == 0o600
    assert stat.S_IMODE((tmp_path / "db").stat().st_mode) == 0o700
