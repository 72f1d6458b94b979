"""Real processes for the send path: the provider emulator and `campaign-dashboard worker`
subprocesses (killable with SIGKILL), on SQLite + SqliteHuey and on PostgreSQL + RedisHuey."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa

from campaign_dashboard.devtools.bench.processes import free_port, listens, wait_http
from tests.conftest import REDIS_TEST_URL

ROOT = Path(__file__).resolve().parents[2]


def _redis_unavailable() -> str | None:
    import redis

    try:
        redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        return f"Redis not reachable at {REDIS_TEST_URL}: {exc}"
    return None


@pytest.fixture
def stack(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):
    """SQLite runs with SqliteHuey, PostgreSQL with RedisHuey: the two ways the app is deployed.
    The settings go to the worker subprocesses and to this process alike."""
    queue = "redishuey" if database_url.startswith("postgresql") else "sqlitehuey"
    if queue == "redishuey" and (reason := _redis_unavailable()):
        pytest.skip(reason)
    env = {
        "DATABASE_URL": database_url,
        "DATA_DIR": str(tmp_path / "data"),
        "HUEY_NAME": f"cd-test-{uuid.uuid4().hex[:8]}",
        "QUIET_HOURS_ENABLED": "false",
        "SEND_LEASE_SECONDS": "3",
        "TICK_SECONDS": "1",
        "RESEND_REQUESTS_PER_SECOND": "0",  # unlimited, like the emulator: tests about limits set both
        "TWILIO_MPS_PER_SENDER": "0",
        "PUBLIC_BASE_URL": "http://127.0.0.1:9",
        "SECRET_KEY": "test-secret-key-for-sending-tests-0123456789",
    }
    if queue == "redishuey":
        env["REDIS_URL"] = REDIS_TEST_URL
    else:
        monkeypatch.delenv("REDIS_URL", raising=False)
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    yield env


@pytest.fixture
def emulator(stack: dict, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    proc, url = start_emulator(stack)
    try:
        stack["RESEND_API_URL"] = url
        stack["TWILIO_API_URL"] = url
        monkeypatch.setenv("RESEND_API_URL", url)
        monkeypatch.setenv("TWILIO_API_URL", url)
        yield url
    finally:
        proc.terminate()
        proc.wait(10)


def start_emulator(env: dict, attempts: int = 5, webhook_url: str | None = None) -> tuple[subprocess.Popen, str]:
    """Start an emulator and make sure the port answering is OURS: a free port can be taken by
    another test run between choosing it and binding it, and then a stranger would answer.
    Without `webhook_url` it sends no webhooks."""
    webhooks = ["--webhook-url", webhook_url] if webhook_url else ["--no-webhooks"]
    for _ in range(attempts):
        port = free_port()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "campaign_dashboard",
                "emulator",
                "--port",
                str(port),
                *webhooks,
                "--resend-rps",
                "0",
                "--twilio-mps",
                "0",
            ],  # tests that need provider limits set them
            cwd=ROOT,
            env={**os.environ, **env},
            stderr=subprocess.DEVNULL,
        )
        if listens(proc, port, timeout=20):
            url = f"http://127.0.0.1:{port}"
            wait_http(f"{url}/_emulator/stats")
            return proc, url
        proc.kill()
        proc.wait(10)
    raise RuntimeError(f"the emulator did not start after {attempts} attempts")


@pytest.fixture
def app_env(stack: dict, emulator: str, engine) -> Iterator[dict]:
    """This process configured like the workers: same database, queue and emulator."""
    from campaign_dashboard.config import get_settings
    from campaign_dashboard.tasks import huey
    from campaign_dashboard.tasks.deps import send_deps
    from campaign_dashboard.tasks.queue import make_huey

    get_settings.cache_clear()
    send_deps.cache_clear()
    original = huey.storage
    huey.storage = make_huey().storage
    yield stack
    huey.storage.flush_all()
    huey.storage = original
    send_deps.cache_clear()
    get_settings.cache_clear()


class Workers:
    """Start, SIGKILL and restart real worker processes."""

    def __init__(self, env: dict) -> None:
        self.env = env
        self.procs: list[subprocess.Popen] = []
        self.started = 0

    def start(self, count: int = 1, threads: int = 4) -> None:
        log_dir = Path(self.env["DATA_DIR"])
        log_dir.mkdir(parents=True, exist_ok=True)
        for _ in range(count):
            self.started += 1
            log = open(log_dir / f"worker-{self.started}.log", "wb")  # noqa: SIM115 - lives with the process
            self.procs.append(
                subprocess.Popen(
                    [sys.executable, "-m", "campaign_dashboard", "worker", "--workers", str(threads)],
                    cwd=ROOT,
                    env={**os.environ, **self.env},
                    stdout=log,
                    stderr=subprocess.STDOUT,
                )
            )

    def kill_all(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.kill(proc.pid, signal.SIGKILL)
                proc.wait(10)
        self.procs.clear()

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                proc.send_signal(signal.SIGINT)
        for proc in self.procs:
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
        self.procs.clear()


@pytest.fixture
def workers(app_env: dict) -> Iterator[Workers]:
    w = Workers(app_env)
    yield w
    w.kill_all()


def emulator_stats(url: str) -> dict:
    return httpx.get(f"{url}/_emulator/stats", timeout=10).json()


def configure_emulator(url: str, **config) -> None:
    httpx.post(f"{url}/_emulator/config", json=config, timeout=10).raise_for_status()


def wait_for_status(engine: sa.Engine, model, campaign_id: int, statuses: set[str], timeout: float = 120):
    from sqlmodel import Session

    deadline = time.monotonic() + timeout
    status = None
    while time.monotonic() < deadline:
        with Session(engine) as session:
            status = session.get(model, campaign_id).status
        if status in statuses:
            return status
        time.sleep(0.2)
    raise TimeoutError(f"campaign {campaign_id} still {status} after {timeout}s")
