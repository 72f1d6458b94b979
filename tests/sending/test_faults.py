"""Faults a production install meets, survived mid-campaign with PostgreSQL and Redis: every
connection to the database dropped (a restart or a network cut), Redis restarted empty.
Each test ends with the provider's own count (exactly one message per recipient) and exact
counters; webhooks refused during an outage are retried by the emulator, as providers do, and
counted once."""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from campaign_dashboard.devtools.bench.processes import free_port
from campaign_dashboard.devtools.bench.tcp_proxy import TcpProxy
from campaign_dashboard.models import Contact, DeadLetterEvent, EmailCampaign, Segment, utcnow
from campaign_dashboard.services import campaigns
from tests.helpers.processes import configure_emulator, emulator_stats

# the emulator posts its webhooks to the web app
pytestmark = [pytest.mark.xdist_group("sending"), pytest.mark.emulator_webhooks, pytest.mark.slow]

RECIPIENTS = 2000


@pytest.fixture
def database_url(postgresql_url: str) -> str:
    """PostgreSQL only: the embedded SQLite has no server to lose."""
    return postgresql_url


@pytest.fixture
def pg_proxy(stack: dict) -> Iterator[TcpProxy]:
    """The web app and the workers reach PostgreSQL through a proxy the test can cut."""
    url = sa.engine.make_url(stack["DATABASE_URL"])
    proxy = TcpProxy(url.port or 5432, url.host or "127.0.0.1")
    stack["DATABASE_URL"] = url.set(port=proxy.port).render_as_string(hide_password=False)
    yield proxy
    proxy.close()


@pytest.fixture
def own_redis(stack: dict, tmp_path) -> Iterator[RedisServer]:
    """A Redis of the test's own, so restarting it disturbs nobody else."""
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    server = RedisServer(free_port(), tmp_path)
    server.start()
    stack["REDIS_URL"] = f"redis://127.0.0.1:{server.port}/0"
    os.environ["REDIS_URL"] = stack["REDIS_URL"]
    yield server
    server.stop()
    os.environ.pop("REDIS_URL", None)


class RedisServer:
    def __init__(self, port: int, tmp_path) -> None:
        self.port, self.dir, self.proc = port, tmp_path, None

    def start(self) -> None:
        self.proc = subprocess.Popen(
            [
                "redis-server",
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
                "--dir",
                str(self.dir),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        import redis

        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                redis.Redis(port=self.port, socket_connect_timeout=0.5).ping()
                return
            except redis.RedisError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not start")

    def kill(self) -> None:
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(10)

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            self.kill()


def _campaign(engine: sa.Engine) -> int:
    rows = [
        {
            "email": f"f{i}@example.com",
            "first_name": f"N{i}",
            "last_name": "",
            "timezone": "UTC",
            "attributes": {},
            "email_status": "subscribed",
            "sms_status": "subscribed",
            "created_at": utcnow(),
            "updated_at": utcnow(),
        }
        for i in range(RECIPIENTS)
    ]
    with engine.begin() as conn:
        conn.execute(sa.insert(Contact), rows)
    with Session(engine) as session:
        segment = Segment(name="everyone", kind="rules", rules=[], match="all")
        session.add(segment)
        session.commit()
        campaign = EmailCampaign(
            name="Faults",
            subject="Hi {{ first_name }}",
            from_email="news@example.com",
            segment_id=segment.id,
            html="<p>Hello {{ first_name }}</p>",
        )
        session.add(campaign)
        session.commit()
        campaign_id = campaign.id
        campaigns.apply_action(session=session, channel="email", campaign_id=campaign_id, action="start")
    return campaign_id


def _numbers(engine: sa.Engine, campaign_id: int) -> dict:
    with Session(engine) as session:
        c = session.get(EmailCampaign, campaign_id)
        return {
            "status": c.status,
            "sent": c.sent,
            "processed": c.processed,
            "delivered": c.delivered,
            "failed": c.failed,
            "dead_letters": session.scalar(sa.select(sa.func.count()).select_from(DeadLetterEvent)),
        }


def _wait(engine, campaign_id: int, done, timeout: float) -> dict:
    deadline = time.monotonic() + timeout
    while not done(numbers := _numbers(engine, campaign_id)) and time.monotonic() < deadline:
        time.sleep(0.3)
    return numbers


def _quiet_world(emulator: str, webhook_delay_ms: int = 0) -> None:
    """Every email delivered, nothing else; webhooks retried for about 15 minutes, like a provider."""
    configure_emulator(
        emulator,
        bounce_rate=0,
        open_rate=0,
        click_rate=0,
        reply_rate=0,
        unsubscribe_rate=0,
        complaint_rate=0,
        webhook_delay_ms=webhook_delay_ms,
        webhook_retries=12,
    )


def _assert_exactly_once_and_exact(emulator: str, engine, campaign_id: int) -> None:
    expected = {
        "status": "sent",
        "sent": RECIPIENTS,
        "processed": RECIPIENTS,
        "delivered": RECIPIENTS,
        "failed": 0,
        "dead_letters": 0,
    }
    got = _wait(engine, campaign_id, lambda n: n == expected, timeout=120)
    stats = emulator_stats(emulator)
    assert got == expected, f"{got}; provider: {stats}"
    assert stats["duplicates"] == 0 and stats["accepted"] == RECIPIENTS
    assert set(stats["by_address"].values()) == {1}
    assert stats["webhooks_dropped"] == 0


def _sending_until(engine, emulator: str, workers, *, processed: int) -> tuple[int, dict]:
    """Start the campaign with two workers at 4 requests/s (20 batch calls: about five seconds
    of sending; the provider allows a little more, as in production) and return once `processed`
    recipients are done: the moment to inject a fault."""
    from campaign_dashboard.tasks.sending import kick

    workers.env["RESEND_REQUESTS_PER_SECOND"] = "4"
    configure_emulator(emulator, resend_rps=5)
    campaign_id = _campaign(engine)
    workers.start(2, threads=2)
    kick("email", campaign_id)
    return campaign_id, _wait(engine, campaign_id, lambda n: n["processed"] >= processed, timeout=60)


def test_database_connections_dropped_mid_campaign(pg_proxy, web_app, emulator, app_env, workers, engine):
    _quiet_world(emulator, webhook_delay_ms=2000)  # events of emails sent before the cut land in it
    campaign_id, before = _sending_until(engine, emulator, workers, processed=200)
    assert before["processed"] < RECIPIENTS, "the campaign finished before the outage could start"
    pg_proxy.cut()  # every connection of the web app and the workers dies; new ones are refused
    time.sleep(6)
    pg_proxy.restore()
    _assert_exactly_once_and_exact(emulator, engine, campaign_id)
    assert emulator_stats(emulator)["webhook_retries"] > 0, "no webhook met the outage: the test proved nothing"


def test_redis_restarted_empty_mid_campaign(own_redis, emulator, app_env, workers, engine):
    _quiet_world(emulator)
    campaign_id, before = _sending_until(engine, emulator, workers, processed=200)
    assert before["processed"] < RECIPIENTS
    own_redis.kill()  # the queue and the rate-limit buckets are gone
    time.sleep(2)
    own_redis.start()
    throttled_before = emulator_stats(emulator)["throttled"]
    _assert_exactly_once_and_exact(emulator, engine, campaign_id)
    # the shared rate limit held after the restart: the provider never had to refuse a request
    assert emulator_stats(emulator)["throttled"] == throttled_before


def test_workers_and_the_web_app_killed_while_webhooks_flow(web, emulator, app_env, workers, engine):
    """SIGKILL every worker while its batches' webhooks arrive, then SIGKILL the web app in the
    middle of the webhook stream: nothing half-written, nothing lost, nothing counted twice."""
    _quiet_world(emulator, webhook_delay_ms=300)
    campaign_id, before = _sending_until(engine, emulator, workers, processed=300)
    assert before["processed"] < RECIPIENTS
    workers.kill_all()  # mid-batch: claimed rows wait for their lease to expire
    workers.start(1, threads=2)
    during = _wait(engine, campaign_id, lambda n: n["delivered"] >= before["processed"] + 200, timeout=60)
    # The kill must land in the webhook stream; the sending itself may already be over.
    assert during["delivered"] < RECIPIENTS, "every webhook arrived before the web app could be killed"
    web.kill()  # webhooks in flight die with it; the emulator retries them
    time.sleep(1)
    web.start()
    _assert_exactly_once_and_exact(emulator, engine, campaign_id)
    assert emulator_stats(emulator)["webhook_retries"] > 0, "no webhook met the dead web app"
