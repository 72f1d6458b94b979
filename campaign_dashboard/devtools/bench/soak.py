"""`campaign-dashboard bench soak`: a long email campaign, its webhooks flowing back, and a fault
injected every minute; at the end every message sent exactly once, every event counted once, and
each process's memory over the run.

The production shape on one machine: PostgreSQL (reached through a proxy the soak can cut), a Redis
of the soak's own (so restarting it disturbs nobody), the API in its own process taking the
emulator's signed webhooks, and W workers. The provider's rate is set so the campaign takes about
`--minutes`. Every `--fault-every` seconds one fault, in a shuffled rotation:

- `worker_killed`: SIGKILL one worker mid-batch, start a new one;
- `web_killed`: SIGKILL the web app mid-webhook, start it again on its port (the emulator retries);
- `database_cut`: every PostgreSQL connection dropped and new ones refused for a few seconds;
- `redis_restarted`: Redis killed and started empty (queue and rate buckets lost; the tick
  restores the sending chains);
- `provider_down`: the provider answers the edge's 503 page for twenty seconds.

The checks, once the campaign is over and its webhooks have settled:
- the emulator's count per address against the ledger: no duplicate, nobody missing;
- every accepted message has exactly one outcome counted (delivered + bounced + failed = sent);
- each campaign counter equals what the stored events and sent emails say, and the minute
  buckets add up to the counters;
- no webhook dropped by the emulator (a refused one was retried until it landed).
"""

from __future__ import annotations

import json
import random
import signal
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from statistics import median
from typing import Any

import psutil
from sqlalchemy import func, select
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session, col

from campaign_dashboard.cli.supervisor import signal_group
from campaign_dashboard.devtools.bench import send
from campaign_dashboard.devtools.bench.database import fresh_database, insert_contacts
from campaign_dashboard.devtools.bench.processes import (
    Children,
    child_environment,
    emulator_argv,
    free_port,
    listens,
    sigterm_as_interrupt,
    wait_for_line,
    wait_http,
)
from campaign_dashboard.devtools.bench.tcp_proxy import TcpProxy
from campaign_dashboard.devtools.bench.webhooks import server_argv

FAULTS = ("worker_killed", "web_killed", "database_cut", "redis_restarted", "provider_down")
CUT_SECONDS = 6
PROVIDER_DOWN_SECONDS = 20
SAMPLE_EVERY = 10  # seconds between memory samples
SETTLED_AFTER = 30  # seconds without a counter moving once the campaign is over: the webhooks are in
COUNTED = ("delivered", "opened", "unique_opens", "clicked", "unique_clicks", "bounced", "complained")


@dataclass
class Options:
    database_url: str  # a PostgreSQL server: the soak makes its own database there and drops it
    recipients: int = 200_000
    minutes: float = 20.0
    fault_every: float = 60.0
    workers: int = 2
    threads: int = 4
    seed: int = 1


@dataclass
class Run:
    """What the soak started, and what it saw."""

    children: Children
    env: dict[str, str]
    web_port: int
    redis_port: int
    emulator_url: str
    proxy: TcpProxy
    faults: list[dict[str, Any]] = field(default_factory=list)
    memory: dict[str, list[tuple[float, float]]] = field(default_factory=dict)  # role -> (s, MB)


def run(options: Options, *, progress: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Run the soak; every process it started is stopped and its database dropped on return."""
    say = progress or (lambda _message: None)
    rng = random.Random(options.seed)
    load_before = psutil.getloadavg()[0]
    with sigterm_as_interrupt(), tempfile.TemporaryDirectory(prefix="cd-bench-soak-") as tmp:
        data_dir = Path(tmp)
        with fresh_database(server_url=options.database_url, data_dir=data_dir, prefix="cd_soak") as url:
            database = make_url(url)
            proxy = TcpProxy(database.port or 5432, database.host or "127.0.0.1")
            try:
                with Children(data_dir / "logs") as children:
                    soak = _start(children, options, url, proxy, data_dir)
                    from campaign_dashboard.db import make_engine

                    engine = make_engine(url)
                    try:
                        say(f"inserting {options.recipients:,} contacts")
                        insert_contacts(engine, options.recipients)
                        campaign_id = send.create_campaign(engine, "email")
                        seconds = _soak(soak, engine, campaign_id, options, rng, say)
                        say("campaign over; waiting for its webhooks to settle")
                        _settle(engine, campaign_id)
                        stats = send.emulator_stats(soak.emulator_url)
                        check = send.compare(engine, "email", campaign_id, stats)
                        # the ledger's rows moved on to delivered, opened...: the campaign counts what left
                        check["sent"] = _campaign(engine, campaign_id)["sent"]
                        mismatches = _mismatches(engine, campaign_id)
                        status = _campaign(engine, campaign_id)["status"]
                    finally:
                        engine.dispose()  # the queue lived in the soak's own Redis: gone with it
            finally:
                proxy.close()
    return {
        "recipients": options.recipients,
        "status": status,
        **check,
        "counter_mismatches": mismatches,
        "webhooks_sent": stats.get("webhooks_sent", 0),
        "webhook_retries": stats.get("webhook_retries", 0),
        "webhooks_dropped": stats.get("webhooks_dropped", 0),
        "seconds": round(seconds, 1),
        "faults": soak.faults,
        "memory_mb": _memory_summary(soak.memory),
        "load_before": round(load_before, 2),
        "load_after": round(psutil.getloadavg()[0], 2),
    }


def _start(children: Children, options: Options, url: str, proxy: TcpProxy, data_dir: Path) -> Run:
    """Redis, the web app, the emulator (webhooks to the web app) and the workers."""
    redis_port, web_port = free_port(), free_port()
    rate = max(0.2, options.recipients / (options.minutes * 60) / send.RESEND_BATCH)
    through_proxy = make_url(url).set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False)
    env = child_environment(
        DATABASE_URL=through_proxy,
        DATA_DIR=str(data_dir),
        REDIS_URL=f"redis://127.0.0.1:{redis_port}/0",
        HUEY_NAME=f"cd-soak-{uuid.uuid4().hex[:8]}",
        RESEND_API_KEY=None,
        RESEND_REQUESTS_PER_SECOND=f"{rate:.3f}",
        QUIET_HOURS_ENABLED="false",
        PUBLIC_BASE_URL=f"http://127.0.0.1:{web_port}",
        PYTHONUNBUFFERED="1",
    )
    soak = Run(children, env, web_port, redis_port, "", proxy)
    _start_redis(soak)
    _start_web(soak)
    port = children.start_server(
        "emulator", lambda p: emulator_argv(p, webhook_url=env["PUBLIC_BASE_URL"], resend_rps=rate), env
    )
    soak.emulator_url = f"http://127.0.0.1:{port}"
    wait_http(f"{soak.emulator_url}/_emulator/health")
    # Providers retry a refused webhook for hours: more retries than a fault lasts.
    # No complaints: one in the first 500 deliveries trips the reputation breaker, which pauses the
    # campaign for a person to look at (docs/breaker.md): a soak is about faults, not about that.
    _configure_emulator(soak.emulator_url, webhook_retries=40, error_status=503, complaint_rate=0, seed=options.seed)
    env.update(RESEND_API_URL=soak.emulator_url)
    send.configure_this_process({**env, "DATABASE_URL": url})  # the soak's own reads bypass the proxy
    for number in range(1, options.workers + 1):
        _start_worker(soak, number, options.threads)
    return soak


def _start_redis(soak: Run) -> None:
    argv = ["redis-server", "--port", str(soak.redis_port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
    proc = soak.children.start("redis", argv, soak.env)
    if not listens(proc, soak.redis_port, 10):
        raise RuntimeError(f"redis-server did not start; see {soak.children.log('redis')}")


def _start_web(soak: Run) -> None:
    soak.children.start("web", server_argv("uvicorn", soak.web_port, None), soak.env)
    wait_http(f"http://127.0.0.1:{soak.web_port}/api/health", timeout=60)


def _start_worker(soak: Run, number: int, threads: int) -> None:
    name = f"worker-{number}"
    proc = soak.children.start_cli(name, ["worker", "--workers", str(threads)], soak.env)
    wait_for_line(soak.children.log(name), send.CONSUMER_READY, proc=proc)


def _kill(soak: Run, name: str) -> None:
    proc = soak.children.procs.pop(name)
    signal_group(proc, signal.SIGKILL)
    proc.wait()


def _soak(soak: Run, engine: Engine, campaign_id: int, options: Options, rng: random.Random, say) -> float:
    """Start the campaign and inject a fault every `fault_every` s until it is over."""
    from campaign_dashboard.services import campaigns
    from campaign_dashboard.tasks.sending import kick

    with Session(engine) as session:
        campaigns.apply_action(session=session, channel="email", campaign_id=campaign_id, action="start")
    kick("email", campaign_id)
    started = time.monotonic()
    next_fault, next_sample = started + options.fault_every, started
    rotation: list[str] = []
    limit = max(options.minutes * 4, 10)  # minutes: a soak that cannot finish is a finding, not a hang
    deadline = started + limit * 60
    while (row := _campaign(engine, campaign_id))["status"] in ("sending", "scheduled"):
        now = time.monotonic()
        if now > deadline:
            raise RuntimeError(f"the campaign did not finish in {limit:.0f} minutes: {row}")
        if now >= next_sample:
            _sample_memory(soak, now - started)
            next_sample = now + SAMPLE_EVERY
            say(f"{row['processed']:,}/{row['recipients']:,} processed after {now - started:.0f} s")
        if now >= next_fault:
            rotation = rotation or rng.sample(FAULTS, len(FAULTS))
            kind = rotation.pop()
            say(f"fault: {kind}")
            soak.faults.append({"at_s": round(now - started, 1), "fault": kind, "processed": row["processed"]})
            _inject(soak, kind, options, rng)
            next_fault = time.monotonic() + options.fault_every
        time.sleep(0.5)
    _sample_memory(soak, time.monotonic() - started)
    say(f"campaign {row['status']} after {time.monotonic() - started:.0f} s")
    return time.monotonic() - started


def _inject(soak: Run, kind: str, options: Options, rng: random.Random) -> None:
    if kind == "worker_killed":
        number = rng.randint(1, options.workers)
        _kill(soak, f"worker-{number}")
        _start_worker(soak, number, options.threads)
    elif kind == "web_killed":
        _kill(soak, "web")
        _start_web(soak)
    elif kind == "database_cut":
        soak.proxy.cut()
        time.sleep(CUT_SECONDS)
        soak.proxy.restore()
    elif kind == "redis_restarted":
        _kill(soak, "redis")
        _start_redis(soak)
    elif kind == "provider_down":
        _configure_emulator(soak.emulator_url, error_rate=1)
        time.sleep(PROVIDER_DOWN_SECONDS)
        _configure_emulator(soak.emulator_url, error_rate=0)


def _sample_memory(soak: Run, at: float) -> None:
    """Each process's resident memory now (a worker's with its threads; the web app's alone)."""
    for name, proc in list(soak.children.procs.items()):
        role = "worker" if name.startswith("worker-") else name
        try:
            rss = psutil.Process(proc.pid).memory_info().rss / 2**20
        except psutil.Error:
            continue
        soak.memory.setdefault(f"{role}:{name}" if role == "worker" else role, []).append((round(at, 1), round(rss, 1)))


def _memory_summary(memory: dict[str, list[tuple[float, float]]]) -> dict[str, dict[str, float]]:
    """Per process: RSS at its first and last samples (median of three) and the peak."""
    summary = {}
    for name, samples in sorted(memory.items()):
        values = [mb for _, mb in samples]
        summary[name] = {
            "first": median(values[:3]),
            "last": median(values[-3:]),
            "peak": max(values),
            "samples": len(values),
        }
    return summary


def _campaign(engine: Engine, campaign_id: int) -> dict[str, Any]:
    from campaign_dashboard.models import EmailCampaign

    with Session(engine) as session:
        c = session.get(EmailCampaign, campaign_id)
        assert c is not None
        return {"status": c.status, "processed": c.processed, "recipients": c.recipients, **_counters(c)}


def _counters(campaign) -> dict[str, int]:
    return {name: getattr(campaign, name) for name in (*COUNTED, "sent", "failed")}


def _settle(engine: Engine, campaign_id: int) -> None:
    """Wait until no counter has moved for SETTLED_AFTER s (the emulator's last events are in)."""
    last, since = _campaign(engine, campaign_id), time.monotonic()
    while time.monotonic() - since < SETTLED_AFTER:
        time.sleep(2)
        now = _campaign(engine, campaign_id)
        if now != last:
            last, since = now, time.monotonic()


def _mismatches(engine: Engine, campaign_id: int) -> dict[str, list[int]]:
    """Counters that differ from what the stored rows say: {name: [counter, rows]}."""
    from campaign_dashboard.models import CampaignStatsMinute, EmailCampaign, EmailEvent, SentEmail

    with Session(engine) as session:
        campaign = session.get(EmailCampaign, campaign_id)
        assert campaign is not None
        sent = select(func.count()).select_from(SentEmail).where(col(SentEmail.campaign_id) == campaign_id)
        events = select(func.count()).select_from(EmailEvent).where(col(EmailEvent.campaign_id) == campaign_id)
        once = select(func.count(func.distinct(EmailEvent.sent_email_id))).where(
            col(EmailEvent.campaign_id) == campaign_id
        )
        truth = {
            "delivered": session.scalar(sent.where(col(SentEmail.delivered_at).is_not(None))),
            "opened": session.scalar(events.where(col(EmailEvent.type) == "opened")),
            "unique_opens": session.scalar(sent.where(col(SentEmail.first_opened_at).is_not(None))),
            "clicked": session.scalar(events.where(col(EmailEvent.type) == "clicked")),
            "unique_clicks": session.scalar(sent.where(col(SentEmail.first_clicked_at).is_not(None))),
            "bounced": session.scalar(once.where(col(EmailEvent.type) == "bounced")),
            "complained": session.scalar(once.where(col(EmailEvent.type) == "complained")),
            # every message that left has one outcome: delivered, bounced, or failed at the provider
            "sent": campaign.delivered + campaign.bounced + campaign.failed,
        }
        found = {name: [getattr(campaign, name), int(value or 0)] for name, value in truth.items()}
        of_campaign = (col(CampaignStatsMinute.campaign_id) == campaign_id, col(CampaignStatsMinute.channel) == "email")
        totals = select(col(CampaignStatsMinute.metric), func.sum(col(CampaignStatsMinute.count)))
        rows: list[Any] = list(session.execute(totals.where(*of_campaign).group_by(col(CampaignStatsMinute.metric))))
        buckets: dict[str, int] = {str(row[0]): int(row[1] or 0) for row in rows}
        for name in (*COUNTED, "sent"):
            found[f"{name} (minute buckets)"] = [getattr(campaign, name), buckets.get(name, 0)]
    return {name: pair for name, pair in found.items() if pair[0] != pair[1]}


def _configure_emulator(url: str, **config: Any) -> None:
    request = urllib.request.Request(
        f"{url}/_emulator/config", data=json.dumps(config).encode(), headers={"Content-Type": "application/json"}
    )
    with urllib.request.urlopen(request, timeout=30):
        pass


def summary(result: dict[str, Any]) -> str:
    faults = ", ".join(f"{f['fault']} at {f['at_s']:.0f} s" for f in result["faults"]) or "none"
    memory = "; ".join(
        f"{name} {m['first']:.0f} -> {m['last']:.0f} MB (peak {m['peak']:.0f})"
        for name, m in result["memory_mb"].items()
    )
    return "\n".join(
        [
            f"soak: {result['recipients']:,} recipients, campaign {result['status']} after {result['seconds']:.0f} s",
            f"  duplicates {result['duplicates']}, missing {result['missing']}, "
            f"counter mismatches {result['counter_mismatches'] or 'none'}",
            f"  webhooks {result['webhooks_sent']:,} sent, {result['webhook_retries']:,} retried, "
            f"{result['webhooks_dropped']} dropped",
            f"  faults: {faults}",
            f"  memory: {memory}",
        ]
    )
