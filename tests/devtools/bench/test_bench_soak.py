"""`campaign-dashboard bench soak` run for real at a small size (PostgreSQL, its own Redis, the web
app, the emulator's webhooks, two workers) with a fault every few seconds: its JSON must report
the faults injected and a clean result, and it must drop its database afterwards."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys

import pytest
import sqlalchemy as sa

from tests.helpers.databases import PG_ADMIN_URL, postgres_unavailable_reason
from tests.helpers.processes import ROOT

pytestmark = [pytest.mark.xdist_group("bench"), pytest.mark.slow]

FAULT_KINDS = {"worker_killed", "web_killed", "database_cut", "redis_restarted", "provider_down"}


def soak_databases() -> set[str]:
    engine = sa.create_engine(PG_ADMIN_URL)
    try:
        with engine.connect() as conn:
            return set(conn.scalars(sa.text("SELECT datname FROM pg_database WHERE datname LIKE 'cd_soak_%'")))
    finally:
        engine.dispose()


def test_a_short_soak_with_every_fault_sends_each_message_once_and_counts_each_event_once(tmp_path):
    if reason := postgres_unavailable_reason():
        pytest.skip(reason)
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed: the soak restarts a Redis of its own")
    before = soak_databases()
    args = ["--recipients", "400", "--minutes", "1", "--fault-every", "5", "--workers", "2", "--threads", "2"]
    done = subprocess.run(
        [sys.executable, "-m", "campaign_dashboard", "bench", "soak", "--database-url", PG_ADMIN_URL, *args, "--json"],
        cwd=ROOT,
        env={**os.environ, "TMPDIR": str(tmp_path)},
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    result = json.loads(done.stdout)
    assert (result["status"], result["recipients"], result["sent"]) == ("sent", 400, 400)
    assert (result["duplicates"], result["missing"], result["webhooks_dropped"]) == (0, 0, 0)
    assert result["counter_mismatches"] == {}
    # faults met the campaign while it sent (how many depends on how long the faults stall it)
    assert len(result["faults"]) >= 3 and {f["fault"] for f in result["faults"]} <= FAULT_KINDS
    assert {"web", "redis", "emulator"} <= set(result["memory_mb"])
    assert soak_databases() == before  # its database is dropped
    assert not any(tmp_path.iterdir())  # and its temp dir removed
