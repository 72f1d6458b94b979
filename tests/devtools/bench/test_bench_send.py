"""`campaign-dashboard bench send` run for real (emulator, worker processes, SDKs) at a small size:
its JSON must tell the truth about the run and it must leave nothing behind, even on Ctrl-C."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import psutil
import pytest

from tests.helpers.databases import PG_ADMIN_URL, postgres_unavailable_reason
from tests.helpers.processes import ROOT

pytestmark = pytest.mark.xdist_group("bench")


def bench(*args: str, tmp_path: Path, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "campaign_dashboard", "bench", "send", *args],
        cwd=ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=timeout,
    )


def _env(tmp_path: Path) -> dict[str, str]:
    """The benchmark's temp dir (its data, logs, SQLite file) goes under tmp_path, to be checked."""
    return {**os.environ, "TMPDIR": str(tmp_path)}


def check_exactly_once(result: dict, recipients: int) -> None:
    assert result["status"] == "sent", result
    assert result["recipients"] == result["sent"] == result["accepted"] == recipients
    assert result["duplicates"] == 0 and result["missing"] == 0
    assert result["seconds"] > 0
    assert result["recipients_per_s"] == pytest.approx(recipients / result["seconds"], rel=0.01)
    assert result["peak_rss_mb"] > 30 * result["workers"]  # each worker is a Python process with the app
    assert result["cpu_s"] > 0


def test_email_run_reports_every_recipient_exactly_once(tmp_path: Path) -> None:
    run = bench(
        "--channel", "email", "--recipients", "300", "--workers", "2", "--threads", "2", "--json", tmp_path=tmp_path
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)  # one JSON object and nothing else on stdout
    check_exactly_once(result, 300)
    assert (result["channel"], result["database"], result["workers"]) == ("email", "sqlite", 2)
    assert result["provider_rate_utilisation"] is None  # the emulator did not limit
    assert result["database_cpu_s"] is None  # SQLite has no server: its work is in the workers' CPU
    assert 500 < result["database_bytes_per_recipient"] < 100_000  # contact, ledger, sent email, indexes
    assert "processed" in run.stderr or "campaign sent" in run.stderr  # progress went to stderr
    assert list(tmp_path.iterdir()) == []  # temp dir with the database and logs removed


def test_sms_run_stays_within_the_provider_limit(tmp_path: Path) -> None:
    run = bench("--channel", "sms", "--recipients", "50", "--provider-rate", "25", "--json", tmp_path=tmp_path)
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    check_exactly_once(result, 50)
    # 25 messages/s allowed: 50 messages need about 2 s, and the rate can never exceed the limit
    assert result["seconds"] >= 1.5
    assert 0.3 < result["provider_rate_utilisation"] <= 1.05
    assert result["recipients_per_s"] <= 25 * 1.05


def test_postgresql_run_uses_and_drops_its_own_database(tmp_path: Path) -> None:
    if reason := postgres_unavailable_reason():
        pytest.skip(reason)
    import sqlalchemy as sa

    def bench_databases() -> set[str]:
        engine = sa.create_engine(PG_ADMIN_URL)
        with engine.connect() as conn:
            names = set(conn.scalars(sa.text("SELECT datname FROM pg_database WHERE datname LIKE 'cd_bench_%'")))
        engine.dispose()
        return names

    before = bench_databases()
    run = bench(
        "--channel", "email", "--recipients", "200", "--database-url", PG_ADMIN_URL, "--json", tmp_path=tmp_path
    )
    assert run.returncode == 0, run.stderr
    result = json.loads(run.stdout)
    check_exactly_once(result, 200)
    assert result["database"] == "postgresql"
    assert result["database_cpu_s"] > 0  # the server's own processes did work for the send
    assert result["database_bytes_per_recipient"] > 0
    assert not (bench_databases() - before)  # a run started meanwhile elsewhere could add one: only ours matter


def test_readable_summary_without_json(tmp_path: Path) -> None:
    run = bench("--channel", "email", "--recipients", "20", tmp_path=tmp_path)
    assert run.returncode == 0, run.stderr
    assert "recipients 20, sent 20, duplicates 0, missing 0" in run.stdout
    assert "recipients/s" in run.stdout and "peak RSS" in run.stdout


def test_ctrl_c_stops_every_process_it_started(tmp_path: Path) -> None:
    # 1 request/s of 100 emails: 3,000 recipients would take 30 s, so it is mid-send when interrupted
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "campaign_dashboard",
            "bench",
            "send",
            "--channel",
            "email",
            "--recipients",
            "3000",
            "--provider-rate",
            "1",
            "--json",
        ],
        cwd=ROOT,
        env=_env(tmp_path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=_ctrl_c_as_in_a_terminal,
    )
    try:
        children = _wait_for_children(proc, count=2)  # the emulator and one worker
        time.sleep(2)  # sending
        proc.send_signal(signal.SIGINT)
        _out, err = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 130, err
    assert "interrupted" in err
    gone, alive = psutil.wait_procs(children, timeout=5)
    assert not alive, f"still running after Ctrl-C: {[p.cmdline() for p in alive]}"
    assert list(tmp_path.iterdir()) == []


def _ctrl_c_as_in_a_terminal() -> None:
    """A suite started in the background by a non-interactive shell ignores SIGINT, and Python keeps
    an ignored SIGINT: the child gets Ctrl-C's default, as it would from a terminal."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def _wait_for_children(proc: subprocess.Popen, count: int, timeout: float = 60) -> list[psutil.Process]:
    deadline = time.monotonic() + timeout
    parent = psutil.Process(proc.pid)
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read()
        children = parent.children(recursive=True)
        cmdlines = [" ".join(c.cmdline()) for c in children]
        if sum(("emulator" in c or " worker" in c) for c in cmdlines) >= count:
            return children
        time.sleep(0.2)
    raise TimeoutError("the benchmark did not start its processes")


@pytest.mark.parametrize(
    "args, message",
    [
        (["--channel", "email", "--recipients", "0"], "must be > 0"),
        (["--channel", "fax", "--recipients", "10"], "invalid choice"),
        (["--channel", "sms", "--recipients", "10", "--provider-rate", "-1"], "must be >= 0"),
    ],
)
def test_bad_arguments_are_refused_before_anything_starts(args: list[str], message: str, tmp_path: Path) -> None:
    run = bench(*args, tmp_path=tmp_path, timeout=30)
    assert run.returncode == 2
    assert message in run.stderr
    assert run.stdout == ""


def test_a_database_url_that_is_not_postgresql_is_refused(tmp_path: Path) -> None:
    run = bench(
        "--channel",
        "email",
        "--recipients",
        "10",
        "--database-url",
        f"sqlite:///{tmp_path}/x.db",
        tmp_path=tmp_path,
        timeout=30,
    )
    assert run.returncode == 1
    assert "must be a PostgreSQL URL" in run.stderr
    assert not (tmp_path / "x.db").exists()
