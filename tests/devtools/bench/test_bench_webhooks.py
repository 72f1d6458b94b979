"""`campaign-dashboard bench webhooks`, run like a user runs it: one JSON object, exact counters."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest

from campaign_dashboard.cli import ROOT
from tests.helpers.databases import PG_ADMIN_URL, postgres_unavailable_reason

FIELDS = {"events", "seconds", "events_per_s", "p50_ms", "p99_ms", "counters_exact", "peak_rss_mb", "cpu_s"}


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
    result = bench("--events", "300", "--concurrency", "4", "--database-url", PG_ADMIN_URL, "--json", tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["database"] == "postgresql" and report["counters_exact"] is True
    assert bench_databases() == before


def test_bad_input_is_refused_with_a_clear_message(tmp_path):
    none = bench("--events", "0", tmp_path=tmp_path)
    assert none.returncode != 0 and "--events must be at least 1" in none.stderr
    existing = tmp_path / "existing.db"
    existing.write_bytes(b"")
    reused = bench("--events", "10", "--database-url", f"sqlite:///{existing}", tmp_path=tmp_path)
    assert reused.returncode != 0 and "needs a fresh database" in reused.stderr
    assert existing.read_bytes() == b""
