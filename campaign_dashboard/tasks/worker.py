"""`campaign-dashboard worker`: the Huey consumer, plus a ticker thread for fast recovery."""

from __future__ import annotations

import logging
import os
import socket
import threading

from campaign_dashboard.config import get_settings
from campaign_dashboard.db import session_scope
from campaign_dashboard.logs import configure_logging
from campaign_dashboard.metrics import QUEUE_DEPTH
from campaign_dashboard.models import utcnow
from campaign_dashboard.services.operations import workers
from campaign_dashboard.tasks import huey
from campaign_dashboard.tasks.dead_letters import run_dead_letter_tick
from campaign_dashboard.tasks.mirroring import run_mirror_tick
from campaign_dashboard.tasks.sending import run_tick

log = logging.getLogger(__name__)


def run_worker(*, workers: int = 4, worker_type: str = "thread") -> None:
    settings = get_settings()
    configure_logging(settings)
    if settings.metrics_port:
        _serve_metrics(settings.metrics_host, settings.metrics_port)
    _start_heartbeat(heartbeat_interval(settings.tick_seconds, settings.worker_heartbeat_timeout_seconds))
    _start_ticker(settings.tick_seconds)
    consumer = huey.create_consumer(workers=workers, worker_type=worker_type, periodic=True, check_worker_health=True)
    consumer.run()


def _start_ticker(interval: float) -> None:
    """Huey's periodic tasks have minute resolution; scheduled starts and lease recovery should
    not wait that long. The thread dies with this process; every worker runs its own."""

    def loop() -> None:
        stop = threading.Event()
        while not stop.wait(interval):
            for scan in (run_tick, run_mirror_tick, run_dead_letter_tick):
                try:
                    scan()
                except Exception:  # noqa: BLE001 - a failed scan is retried at the next tick
                    log.exception("%s failed", scan.__name__)

    threading.Thread(target=loop, name="campaign-tick", daemon=True).start()


def heartbeat_interval(tick_seconds: float, timeout_seconds: float) -> float:
    """Beat at least three times per timeout, so one slow write never looks like a dead worker."""
    return max(0.5, min(tick_seconds, timeout_seconds / 3))


def _start_heartbeat(interval: float) -> None:
    """Its own thread: a long scan in the ticker (a big segment mirror) must not look like death."""
    hostname, pid, started_at = socket.gethostname(), os.getpid(), utcnow()
    worker_id = f"{hostname}:{pid}:{started_at.timestamp():.0f}"

    def loop() -> None:
        stop = threading.Event()
        while True:
            try:
                with session_scope() as session:
                    workers.beat(session, worker_id=worker_id, hostname=hostname, pid=pid, started_at=started_at)
            except Exception:  # noqa: BLE001 - the database may be restarting; beat again next time
                log.warning("worker heartbeat failed", exc_info=True)
            if stop.wait(interval):
                return

    threading.Thread(target=loop, name="worker-heartbeat", daemon=True).start()


def _serve_metrics(host: str, port: int) -> None:
    """This worker's process metrics (provider calls, latency, 429s, queue depth) for Prometheus."""
    from prometheus_client import start_http_server

    QUEUE_DEPTH.set_function(huey.pending_count)
    start_http_server(port, addr=host)
    log.info("worker metrics on http://%s:%s/metrics", host, port)
