"""The `campaign-dashboard` command, run for real in subprocesses, like a user would."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from campaign_dashboard.cli import ROOT, up_processes
from campaign_dashboard.config import Settings


@pytest.fixture
def cli_env(tmp_path: Path) -> dict[str, str]:
    """A fresh SQLite database in a temporary data dir, in development mode."""
    env = dict(os.environ)
    env.update(DATA_DIR=str(tmp_path / "data"), DATABASE_URL=f"sqlite:///{tmp_path}/cli.db", ENV="development")
    return env


def run_cli(env: dict[str, str], *args: str, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "campaign_dashboard", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        input=input,
        timeout=120,
    )


def test_migrate_creates_the_schema_and_can_run_again(cli_env):
    for _ in range(2):
        result = run_cli(cli_env, "migrate")
        assert result.returncode == 0, result.stderr
        assert "up to date" in result.stdout
    engine = sa.create_engine(cli_env["DATABASE_URL"])
    tables = set(sa.inspect(engine).get_table_names())
    engine.dispose()
    assert {"email_campaigns", "sms_campaigns", "contacts", "users", "api_tokens"} <= tables


def test_a_created_token_opens_the_api_with_its_role(cli_env, monkeypatch):
    result = run_cli(cli_env, "token", "create", "--name", "reporting", "--role", "viewer")
    assert result.returncode == 0, result.stderr
    token = result.stdout.strip()
    assert token.startswith("cdt_") and "\n" not in token
    assert "not shown again" in result.stderr

    from campaign_dashboard import db
    from campaign_dashboard.api import create_api
    from campaign_dashboard.config import get_settings

    monkeypatch.setenv("DATABASE_URL", cli_env["DATABASE_URL"])
    get_settings.cache_clear()
    db.get_engine.cache_clear()
    try:
        with TestClient(create_api()) as client:
            auth = {"Authorization": f"Bearer {token}"}
            assert client.get("/api/v1/contacts", headers=auth).status_code == 200
            assert client.get("/api/v1/contacts").status_code == 401
            assert client.get("/api/v1/contacts", headers={"Authorization": "Bearer cdt_wrong"}).status_code == 401
            # a viewer may read but not write
            assert client.post("/api/v1/contacts", headers=auth, json={"email": "a@example.com"}).status_code == 403
    finally:
        db.get_engine().dispose()
        db.get_engine.cache_clear()
        get_settings.cache_clear()


def test_token_create_refuses_an_unknown_role(cli_env):
    result = run_cli(cli_env, "token", "create", "--name", "x", "--role", "owner")
    assert result.returncode == 2
    assert "invalid choice" in result.stderr


def test_seed_demo_fills_an_empty_database_once(cli_env):
    first = run_cli(cli_env, "seed-demo", "--contacts", "300")
    assert first.returncode == 0, first.stderr
    assert "Demo data added" in first.stdout
    assert "admin@example.com" in first.stdout  # ENV=development: the demo login is printed

    engine = sa.create_engine(cli_env["DATABASE_URL"])

    def counts() -> tuple[int, ...]:
        with engine.connect() as conn:
            return tuple(
                conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar()
                for table in ("contacts", "email_campaigns", "sms_campaigns", "email_campaign_recipients", "users")
            )

    before = counts()
    assert before[0] == 300 and before[1] > 0 and before[2] > 0
    second = run_cli(cli_env, "seed-demo", "--contacts", "300")
    assert second.returncode == 0, second.stderr
    assert "already has data" in second.stdout
    assert counts() == before
    engine.dispose()


def test_user_create_with_a_prompted_password(cli_env):
    created = run_cli(
        cli_env,
        "user",
        "create",
        "--email",
        "Manager@Example.com",
        "--name",
        "Manager",
        "--role",
        "viewer",
        input="long enough password\nlong enough password\n",
    )
    assert created.returncode == 0, created.stderr
    assert "Created user manager@example.com (viewer)" in created.stdout

    again = run_cli(
        cli_env, "user", "create", "--email", "manager@example.com", "--role", "viewer", "--password", "x" * 12
    )
    assert again.returncode == 1
    assert "already exists" in again.stderr

    short = run_cli(cli_env, "user", "create", "--email", "b@example.com", "--role", "viewer", "--password", "short")
    assert short.returncode == 1
    assert "at least 8" in short.stderr


def test_up_runs_reflex_on_one_port_with_the_offline_toolchain(tmp_path):
    settings = Settings(data_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/x.db", secret_key="k" * 40)
    processes = {p.name: p for p in up_processes(settings, host="127.0.0.1", port=8123)}
    assert set(processes) == {"emulator", "web", "worker"}  # no provider keys: the emulator runs too
    assert processes["emulator"].argv[-3:-1] == ["emulator", "--webhook-url"]
    assert processes["worker"].argv[2:4] == ["campaign_dashboard", "worker"]
    assert processes["worker"].after == "web"  # no sends (and no webhooks back) before the app answers
    web = processes["web"]
    assert web.argv[1:5] == ["-m", "reflex", "run", "--env"]
    assert web.argv[web.argv.index("--backend-port") + 1] == web.argv[web.argv.index("--frontend-port") + 1] == "8123"
    assert web.ready_url == "http://127.0.0.1:8123/api/health"
    assert web.env["REFLEX_USE_SYSTEM_BUN"] == "1"
    assert web.env["PATH"].split(os.pathsep)[0] == str(ROOT / ".tools" / "node_modules" / ".bin")
    assert web.env["DATABASE_URL"] == settings.database_url
    assert web.env["NPM_CONFIG_REGISTRY"]


# --- the supervisor behind `up`, with stand-in processes -------------------------------------

SLEEPER = """
import subprocess, sys, time
grandchild = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
open(sys.argv[1], "w").write(f"{{__import__('os').getpid()}} {{grandchild.pid}}")
time.sleep(120)
"""

SUPERVISE = """
import sys
from campaign_dashboard.cli import Process, Supervisor
sleeper = {sleeper!r}
procs = [
    Process("sleeper-a", [sys.executable, "-c", sleeper, {pid_a!r}], dict(__import__("os").environ)),
    Process("sleeper-b", [sys.executable, "-c", sleeper, {pid_b!r}], dict(__import__("os").environ)),
]
if {crash!r}:
    procs.append(Process("crasher", [sys.executable, "-c", "import sys, time; time.sleep(2); sys.exit(3)"], {{}}))
sys.exit(Supervisor(procs, url="http://127.0.0.1:1/", stop_timeout=5).run())
"""


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (FileNotFoundError, ProcessLookupError):
        return False
    return state != "Z"


def _supervise(tmp_path: Path, *, crash: bool) -> tuple[subprocess.Popen, list[int]]:
    pid_files = [tmp_path / "a.pids", tmp_path / "b.pids"]
    script = SUPERVISE.format(
        sleeper=textwrap.dedent(SLEEPER).format(), pid_a=str(pid_files[0]), pid_b=str(pid_files[1]), crash=crash
    )
    proc = subprocess.Popen(
        [sys.executable, "-c", script], cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    deadline = time.monotonic() + 30
    while not all(f.exists() and f.read_text() for f in pid_files):
        assert time.monotonic() < deadline, "the stand-in children did not start"
        time.sleep(0.1)
    pids = [int(p) for f in pid_files for p in f.read_text().split()]
    assert all(_alive(pid) for pid in pids)
    return proc, pids


def _wait_gone(pids: list[int]) -> list[int]:
    deadline = time.monotonic() + 10
    while any(_alive(p) for p in pids) and time.monotonic() < deadline:
        time.sleep(0.1)
    return [p for p in pids if _alive(p)]


def test_ctrl_c_stops_every_child_and_grandchild(tmp_path):
    proc, pids = _supervise(tmp_path, crash=False)
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert _wait_gone(pids) == []


def test_sigterm_stops_everything_too(tmp_path):
    proc, pids = _supervise(tmp_path, crash=False)
    proc.terminate()
    proc.communicate(timeout=30)
    assert proc.returncode == 0
    assert _wait_gone(pids) == []


def test_a_dying_child_stops_the_others_and_fails_with_its_name(tmp_path):
    proc, pids = _supervise(tmp_path, crash=True)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 3
    assert "crasher exited with code 3: stopping the others" in err
    assert _wait_gone(pids) == []


SLOW_WEB = """
import http.server, sys, time
time.sleep(2)  # like Reflex building its frontend
server = http.server.HTTPServer(("127.0.0.1", int(sys.argv[1])), http.server.SimpleHTTPRequestHandler)
open(sys.argv[2], "w").write(repr(time.time()))
server.serve_forever()
"""

STARTED = """
import sys, time
open(sys.argv[1], "w").write(repr(time.time()))
time.sleep(120)
"""


def test_a_process_started_after_the_web_app_waits_until_it_answers(tmp_path):
    from campaign_dashboard.devtools.bench.processes import free_port

    port, ready, started = free_port(), tmp_path / "web.ready", tmp_path / "worker.started"
    script = f"""
import os, sys
from campaign_dashboard.cli import Process, Supervisor
env = dict(os.environ)
procs = [
    Process("worker", [sys.executable, "-c", {STARTED!r}, {str(started)!r}], env, after="web"),
    Process("web", [sys.executable, "-c", {SLOW_WEB!r}, "{port}", {str(ready)!r}], env,
            ready_url="http://127.0.0.1:{port}/"),
]
sys.exit(Supervisor(procs, url="http://127.0.0.1:{port}/", stop_timeout=5).run())
"""
    proc = subprocess.Popen(
        [sys.executable, "-c", script], cwd=tmp_path, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    try:
        deadline = time.monotonic() + 30
        while not (started.exists() and started.read_text()):
            assert time.monotonic() < deadline and proc.poll() is None, "the worker stand-in never started"
            time.sleep(0.1)
        assert float(started.read_text()) >= float(ready.read_text())
    finally:
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err
    assert out.index("starting web") < out.index("starting worker") < out.index("is running at")


def test_contact_export_and_erase_by_email(cli_env, tmp_path):
    import json

    from sqlmodel import Session

    from campaign_dashboard.services.accounts import audit
    from campaign_dashboard.services.audience import contacts
    from campaign_dashboard.services.audience.contacts import ContactCreate
    from tests.helpers.consent import MARKETER

    assert run_cli(cli_env, "migrate").returncode == 0
    engine = sa.create_engine(cli_env["DATABASE_URL"])
    with Session(engine) as session:
        contacts.create_contact(
            session=session, data=ContactCreate(email="ada@example.com", first_name="Ada"), source=MARKETER
        )
    out = tmp_path / "ada.json"

    exported = run_cli(cli_env, "contact", "export", "--email", "Ada@Example.com", "--out", str(out))
    assert exported.returncode == 0, exported.stderr
    assert json.loads(out.read_text())["contact"]["first_name"] == "Ada"
    refused = run_cli(cli_env, "contact", "erase", "--email", "ada@example.com", input="someone@example.com\n")
    assert refused.returncode == 1 and "confirm" in refused.stderr
    erased = run_cli(cli_env, "contact", "erase", "--email", "ada@example.com", input="ADA@example.com\n")
    assert erased.returncode == 0, erased.stderr
    assert "Erased contact" in erased.stdout and "email address kept suppressed" in erased.stdout
    unknown = run_cli(cli_env, "contact", "erase", "--phone", "+14155552671", "--yes")
    assert unknown.returncode == 1 and "No contact" in unknown.stderr

    with Session(engine) as session:
        entries = audit.list_entries(session).items
        assert [(e.action, e.actor_label) for e in entries] == [
            ("contact.erase", "system: command line"),
            ("contact.export", "system: command line"),
        ]
        assert "ada@example.com" not in json.dumps([e.detail for e in entries])
        assert contacts.find_contact_by_email(session=session, email="ada@example.com") is None
    engine.dispose()
