"""`campaign-dashboard worker`: the Huey consumer, plus a ticker thread for fast recovery."""

from __future__ import annotations

import logging
import threading

from campaign_dashboard.config import get_settings
from campaign_dashboard.tasks import huey
from campaign_dashboard.tasks.dead_letters import run_dead_letter_tick
from campaign_dashboard.tasks.mirroring import run_mirror_tick
from campaign_dashboard.tasks.sending import run_tick

log = logging.getLogger(__name__)


def run_worker(*, workers: int = 4, worker_type: str = "thread") -> None:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    # the twilio SDK logs every request and response header at INFO: one screenful per SMS
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
    _start_ticker(get_settings().tick_seconds)
    consumer = huey.create_consumer(workers=workers, worker_type=worker_type, periodic=True,
                                    check_worker_health=True)
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
