"""`campaign-dashboard bench webhooks`, run like a user runs it: one JSON object, exact counters."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from campaign_dashboard.cli import ROOT
from tests.helpers.databases import PG_ADMIN_URL, postgres_unavailable_reason

FIELDS = {
    "events",
    "seconds",
    "events_per_s",
    "p50_ms",
    "p99_ms",
    "counters_exact",
    "peak_rss_mb",
    "cpu_s",
    "processes",
    "client_busy",
}


def bench(*args: str, tmp_path) -> subprocess.CompletedProcess:
    env = {**os.environ, "DATA_DIR": str(tmp_path / "data")}
    env.pop("DATABASE_URL", None)
    return subprocess.run(
        [sys.executable, "-m", "campaign_dashboard", "bench", "webhooks", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_a_small_run_on_sqlite_prints_one_json_object_with_exact_counters(tmp_path, server):
    result = bench("--events", "400", "--concurrency", "4", "--server", server, "--json", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    [line] = result.stdout.splitlines()
    report = json.loads(line)
    assert set(report) >= FIELDS
    assert report["counters_exact"] is True
    assert (report["database"], report["server"]) == ("sqlite", server)
    assert report["events"] + report["warmup_events"] == 400
    # ~10% of the events are replays of others: acknowledged, applied once
    assert report["outcomes"] == {"applied": 360, "duplicate": 40}
    assert report["counters"] == report["expected"] and report["expected"]["events"] == 360
    assert 0 < report["p50_ms"] <= report["p99_ms"] and report["events_per_s"] > 0
    assert report["cpu_s"] > 0 and report["peak_rss_mb"] > 20
    assert (report["processes"], report["clients"]) == (1, 1)
    assert report["database_cpu_ms_per_event"] is None  # SQLite works inside the app process


@pytest.mark.parametrize("server", ["granian", "uvicorn"])
def test_two_server_processes_fed_by_two_client_processes_keep_the_counters_exact(tmp_path, server):
    result = bench(
        "--events", "400", "--concurrency", "4", "--processes", "2", "--clients", "2", "--server", server,
        "--json", tmp_path=tmp_path,
    )  # fmt: skip
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert (report["processes"], report["clients"], report["server"]) == (2, 2, server)
    assert report["counters_exact"] is True and report["outcomes"] == {"applied": 360, "duplicate": 40}
    # Both workers and their parent (granian's main process, uvicorn's supervisor) were measured.
    assert len(report["cpu_s_by_process"]) >= 3 and report["cpu_s"] == pytest.approx(
        sum(report["cpu_s_by_process"]), abs=0.05
    )
    assert 0 < report["client_busy"] < 2 and report["client_cpu_s"] > 0


def test_a_run_on_postgresql_uses_a_database_of_its_own_and_drops_it(tmp_path):
    if reason := postgres_unavailable_reason():
        pytest.skip(reason)
    import sqlalchemy as sa

    def bench_databases() -> set[str]:
        engine = sa.create_engine(PG_ADMIN_URL)
        with engine.connect() as conn:
            names = set(
                conn.execute(
                    sa.text("SELECT datname FROM pg_database WHERE datname LIKE 'cd_bench_webhooks_%'")
                ).scalars()
            )
        engine.dispose()
        return names

    before = bench_databases()
    result = bench(
        "--events",
        "300",
        "--concurrency",
        "4",
        "--stored-events",
        "600",  # an earlier campaign's events stored first: the timed campaign's counters stay its own
        "--database-url",
        PG_ADMIN_URL,
        "--json",
        tmp_path=tmp_path,
    )
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["database"] == "postgresql" and report["counters_exact"] is True
    assert report["stored_events"] == 600
    assert report["database_cpu_ms_per_event"] > 0  # PostgreSQL's own share, for docs/scaling.md
    assert bench_databases() == before


def test_bad_input_is_refused_with_a_clear_message(tmp_path):
    none = bench("--events", "0", tmp_path=tmp_path)
    assert none.returncode != 0 and "--events must be at least 1" in none.stderr
    existing = tmp_path / "existing.db"
    existing.write_bytes(b"")
    reused = bench("--events", "10", "--database-url", f"sqlite:///{existing}", tmp_path=tmp_path)
    assert reused.returncode != 0 and "needs a fresh database" in reused.stderr
    assert existing.read_bytes() == b""
    crowded = bench("--events", "10", "--concurrency", "2", "--clients", "3", tmp_path=tmp_path)
    assert crowded.returncode != 0 and "--clients <= --concurrency" in crowded.stderr
    profiled = bench("--events", "10", "--processes", "2", "--profile", str(tmp_path / "p.prof"), tmp_path=tmp_path)
    assert profiled.returncode != 0 and "use it with --processes 1" in profiled.stderr
