"""`campaign-dashboard bench send`: how fast a campaign goes out, and that it goes out exactly once.

A fresh database gets N contacts, an everyone-segment and a personalised campaign; the provider
emulator (webhooks off, limited to --provider-rate) and W real `campaign-dashboard worker`
processes start; the campaign is started through the services as the API does, and the clock runs
until it is `sent` (or `failed`). Then the emulator's own count per address is compared with the
ledger: every recipient exactly once. Worker memory and CPU are sampled with psutil meanwhile.
"""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
import urllib.request
import uuid
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, select
from sqlalchemy.engine import Engine
from sqlmodel import Session, col

from campaign_dashboard.devtools.bench.database import database_bytes, fresh_database, insert_contacts
from campaign_dashboard.devtools.bench.processes import (
    Children,
    ResourceSampler,
    child_environment,
    emulator_argv,
    postgres_server_pids,
    sigterm_as_interrupt,
    wait_for_line,
    wait_http,
)
from campaign_dashboard.models import id_of

RESEND_BATCH = 100  # emails per Resend batch request: 1 request/s allows 100 emails/s
EMAIL = {
    "name": "Benchmark",
    "subject": "{{ first_name }}, our spring sale starts today",
    "from_email": "Campaigns <news@example.com>",
    "html": "<h1>Hello {{ first_name | default('there') }}</h1><p>Everything is 20% off until Sunday."
    '</p><p><a href="https://example.com/sale?c={{ email }}">Shop the sale</a></p>',
}
SMS = {
    "name": "Benchmark",
    "body": "Hi {{ first_name }}: 20% off everything until Sunday.",
    "from_number": "+15005550006",
}
STALL_SECONDS = 180  # no recipient processed for this long: something is wrong, stop
CONSUMER_READY = "Huey consumer started"  # what huey logs once its worker threads run


@dataclass
class Options:
    channel: str
    recipients: int
    provider_rate: float = 0.0
    workers: int = 1
    threads: int = 4
    parallelism: int | None = None
    database_url: str | None = None
    redis_url: str | None = None


def run(options: Options, *, progress=None) -> dict[str, Any]:
    """Run the benchmark and return its result; every process it started is stopped on return,
    on error and on Ctrl-C/SIGTERM, and the temp dir and database are removed. It points this
    process's environment at the benchmark's database and queue: run it in a process of its own
    (as the CLI does)."""
    say = progress or (lambda _message: None)
    parallelism = options.parallelism or options.workers * options.threads
    load_before = os.getloadavg()[0]
    with sigterm_as_interrupt(), tempfile.TemporaryDirectory(prefix="cd-bench-send-") as tmp:
        data_dir = Path(tmp)
        with fresh_database(server_url=options.database_url, data_dir=data_dir) as url:
            env = _environment(options, url=url, data_dir=data_dir, parallelism=parallelism)
            configure_this_process(env)
            from campaign_dashboard.db import make_engine

            engine = make_engine(url)
            try:
                say(f"inserting {options.recipients:,} contacts ({engine.dialect.name})")
                started = time.monotonic()
                insert_contacts(engine, options.recipients)
                campaign_id = create_campaign(engine, options.channel)
                setup_s = time.monotonic() - started
                with Children(data_dir / "logs") as children:
                    emulator_url = _start_emulator(children, env, options)
                    env.update(RESEND_API_URL=emulator_url, TWILIO_API_URL=emulator_url)
                    _start_workers(children, env, options)
                    say(
                        f"emulator at {emulator_url}, {options.workers} worker(s) x {options.threads} "
                        f"threads; starting the campaign"
                    )
                    worker_pids = [p.pid for name, p in children.procs.items() if name.startswith("worker-")]
                    server_pids = postgres_server_pids() if options.database_url else []
                    redis_before = redis_commands(options.redis_url)
                    with (
                        ResourceSampler(worker_pids) as workers,
                        ResourceSampler([children.procs["emulator"].pid]) as emulator,
                        ResourceSampler(server_pids) as database,
                    ):
                        timing = _send(engine, options, campaign_id, children, say)
                        workers.stop()
                        emulator.stop()
                        database.stop()
                    redis_calls = redis_commands(options.redis_url) - redis_before
                    stats = emulator_stats(emulator_url)
                check = compare(engine, options.channel, campaign_id, stats)
                size = database_bytes(engine)
            finally:
                engine.dispose()
                _drop_queue(options)
    seconds = timing["seconds"]
    allowed = _allowed_per_s(options)
    per_s = check["sent"] / seconds if seconds else 0.0
    return {
        "channel": options.channel,
        "database": "postgresql" if options.database_url else "sqlite",
        "queue": "redis" if options.redis_url else "sqlite",
        "workers": options.workers,
        "threads": options.threads,
        "parallelism": parallelism,
        "provider_rate": options.provider_rate,
        "status": timing["status"],
        "status_reason": timing["reason"],
        **check,
        "seconds": round(seconds, 3),
        "recipients_per_s": round(per_s, 1),
        "provider_rate_utilisation": round(per_s / allowed, 3) if allowed else None,
        "peak_rss_mb": workers.peak_rss_mb,
        "cpu_s": workers.cpu_s,
        "emulator_peak_rss_mb": emulator.peak_rss_mb,
        "emulator_cpu_s": emulator.cpu_s,
        # PostgreSQL's own processes (None on SQLite, which runs inside the workers)
        "database_cpu_s": database.cpu_s if server_pids else None,
        "database_bytes_per_recipient": round(size / max(check["recipients"], 1)),
        "redis_commands_per_recipient": round(redis_calls / max(check["sent"], 1), 3) if options.redis_url else None,
        "setup_s": round(setup_s, 2),
        "start_s": round(timing["start_s"], 2),
        "throttled": stats.get("throttled", 0),
        # the machine's 1-minute load average: other processes on the same cores skew every number
        "load_before": round(load_before, 2),
        "load_after": round(os.getloadavg()[0], 2),
    }


def _environment(options: Options, *, url: str, data_dir: Path, parallelism: int) -> dict[str, str]:
    """What the emulator and workers run with: this benchmark's database and queue, the emulator
    instead of any real provider, the app's limiter at the emulator's limit, no quiet hours."""
    rate = str(options.provider_rate)
    return child_environment(
        DATABASE_URL=url,
        DATA_DIR=str(data_dir),
        REDIS_URL=options.redis_url,
        HUEY_NAME=f"cd-bench-{uuid.uuid4().hex[:8]}",
        RESEND_API_KEY=None,
        RESEND_API_URL=None,  # never a real provider
        TWILIO_ACCOUNT_SID=None,
        TWILIO_AUTH_TOKEN=None,
        TWILIO_API_URL=None,
        TWILIO_MESSAGING_SERVICE_SID=None,
        TWILIO_FROM=None,
        RESEND_REQUESTS_PER_SECOND=rate if options.channel == "email" else "0",
        TWILIO_MPS_PER_SENDER=rate if options.channel == "sms" else "0",
        SEND_PARALLELISM=str(parallelism),
        QUIET_HOURS_ENABLED="false",  # throughput, not the recipients' clocks
        PUBLIC_BASE_URL="http://127.0.0.1:9",  # webhooks are off; links only need to be well formed
        PYTHONUNBUFFERED="1",
    )


def configure_this_process(env: dict[str, str]) -> None:
    """This process starts the campaign and queues its first tasks: same database and queue."""
    from campaign_dashboard import db
    from campaign_dashboard.config import get_settings

    for key in set(os.environ) - set(env):
        del os.environ[key]
    os.environ.update(env)
    get_settings.cache_clear()
    db.get_engine.cache_clear()


def create_campaign(engine: Engine, channel: str) -> int:
    """An everyone-segment and a draft campaign, through the services like the API creates them."""
    from campaign_dashboard.services import campaigns
    from campaign_dashboard.services.audience.segments import SegmentCreate, create_segment

    with Session(engine, expire_on_commit=False) as session:
        segment = create_segment(session=session, data=SegmentCreate(name="Everyone (benchmark)"))
        content = EMAIL if channel == "email" else SMS
        campaign = campaigns.create(session=session, channel=channel, data={**content, "segment_id": segment.id})
        return id_of(campaign)


def _start_emulator(children: Children, env: dict[str, str], options: Options) -> str:
    email, sms = options.channel == "email", options.channel == "sms"
    port = children.start_server(
        "emulator",
        lambda port: emulator_argv(
            port, resend_rps=options.provider_rate if email else 0, twilio_mps=options.provider_rate if sms else 0
        ),
        env,
    )
    url = f"http://127.0.0.1:{port}"
    wait_http(f"{url}/_emulator/health")
    return url


def _start_workers(children: Children, env: dict[str, str], options: Options) -> None:
    """Start them all, then wait until each consumes: their start-up is not sending time."""
    for number in range(1, options.workers + 1):
        children.start_cli(f"worker-{number}", ["worker", "--workers", str(options.threads)], env)
    for name, proc in list(children.procs.items()):
        if name.startswith("worker-"):
            wait_for_line(children.log(name), CONSUMER_READY, proc=proc)


def _send(engine: Engine, options: Options, campaign_id: int, children: Children, say) -> dict[str, Any]:
    """Start the campaign as the API does (lifecycle action, then queue the first batches) and
    wait until it has ended."""
    from campaign_dashboard.services import campaigns
    from campaign_dashboard.services.channels import campaign_model
    from campaign_dashboard.tasks.sending import kick

    Campaign = campaign_model(options.channel)
    started = time.monotonic()
    with Session(engine) as session:
        campaigns.apply_action(session=session, channel=options.channel, campaign_id=campaign_id, action="start")
    start_s = time.monotonic() - started
    kick(options.channel, campaign_id)
    # Watching must not slow down what it watches: the app's SQLite engine takes the write lock
    # for every transaction, a plain engine reads from a WAL snapshot without it.
    watcher = create_engine(engine.url)
    try:
        row = _watch(watcher, Campaign, campaign_id, started, children, say)
    finally:
        watcher.dispose()
    seconds = time.monotonic() - started
    say(f"campaign {row.status} after {seconds:.1f} s")
    return {"seconds": seconds, "start_s": start_s, "status": row.status, "reason": row.status_reason}


def _watch(watcher: Engine, Campaign, campaign_id: int, started: float, children: Children, say):  # noqa: N803
    """Poll the campaign's counters until it has ended; progress every 2 s; stop on a stall."""
    last_report = last_change = time.monotonic()
    last_processed = -1
    while True:
        with watcher.connect() as conn:
            row = conn.execute(
                select(Campaign.status, Campaign.processed, Campaign.recipients, Campaign.status_reason).where(
                    Campaign.id == campaign_id
                )
            ).one()
        now = time.monotonic()
        if row.status not in ("sending", "scheduled"):
            return row
        if row.processed != last_processed:
            last_processed, last_change = row.processed, now
        elif now - last_change > STALL_SECONDS:
            raise RuntimeError(f"no recipient processed for {STALL_SECONDS} s; logs in {children.log_dir}")
        children.check_alive()
        if now - last_report >= 2:
            elapsed = now - started
            say(f"{row.processed:,}/{row.recipients:,} processed in {elapsed:.0f} s ({row.processed / elapsed:,.0f}/s)")
            last_report = now
        time.sleep(0.1)


def redis_commands(url: str | None) -> int:
    """Redis's count of commands processed so far (0 without Redis): the queue's and the rate
    limiter's calls per recipient, for docs/scaling.md."""
    if not url:
        return 0
    import redis

    client = redis.Redis.from_url(url)
    try:
        stats: dict[str, Any] = client.info("stats")  # type: ignore[assignment]  # the sync client
        return int(stats["total_commands_processed"])
    finally:
        client.close()


def _drop_queue(options: Options) -> None:
    """A Redis queue outlives the run (SqliteHuey's file goes with the temp dir): remove it."""
    if options.redis_url and "campaign_dashboard.tasks.queue" in sys.modules:
        from campaign_dashboard.tasks.queue import huey

        huey.storage.flush_all()


def emulator_stats(url: str) -> dict[str, Any]:
    with urllib.request.urlopen(f"{url}/_emulator/stats", timeout=120) as response:
        return json.load(response)


def compare(engine: Engine, channel: str, campaign_id: int, stats: dict[str, Any]) -> dict[str, int]:
    """The ledger against the emulator's count per address. `missing`: recipients the emulator
    never received; `duplicates`: accepted messages beyond one per recipient (a second message to
    someone, or one to an address outside the ledger)."""
    from campaign_dashboard.services.channels import recipient_model

    Recipient = recipient_model(channel)
    by_address: dict[str, int] = stats.get("by_address") or {}
    recipients = sent = missing = 0
    with Session(engine) as session:
        rows = session.execute(
            select(col(Recipient.address), col(Recipient.status))
            .where(col(Recipient.campaign_id) == campaign_id)
            .execution_options(yield_per=10_000)
        )
        for address, status in rows.tuples():
            recipients += 1
            sent += status == "sent"
            key = address.lower() if channel == "email" else address
            missing += not by_address.get(key)
    accepted = int(stats.get("accepted", 0))
    return {
        "recipients": recipients,
        "sent": sent,
        "accepted": accepted,
        "duplicates": accepted - (recipients - missing),
        "missing": missing,
    }


def _allowed_per_s(options: Options) -> float | None:
    """Messages/s the emulator allows: Resend counts requests (100 emails each), Twilio messages."""
    if options.provider_rate <= 0:
        return None
    return options.provider_rate * (RESEND_BATCH if options.channel == "email" else 1)


def summary(result: dict[str, Any]) -> str:
    utilisation = result["provider_rate_utilisation"]
    lines = [
        f"{result['channel']} campaign on {result['database']}, {result['workers']} worker(s) x "
        f"{result['threads']} threads: {result['status']}"
        + (f" ({result['status_reason']})" if result["status_reason"] else ""),
        f"  recipients {result['recipients']:,}, sent {result['sent']:,}, duplicates {result['duplicates']}, "
        f"missing {result['missing']}",
        f"  {result['seconds']:.1f} s, {result['recipients_per_s']:,.0f} recipients/s"
        + (f", {utilisation:.1%} of the provider limit" if utilisation is not None else ""),
        f"  workers: peak RSS {result['peak_rss_mb']:.0f} MB, CPU {result['cpu_s']:.1f} s; "
        f"emulator: peak RSS {result['emulator_peak_rss_mb']:.0f} MB, CPU {result['emulator_cpu_s']:.1f} s",
    ]
    return "\n".join(lines)
