"""`campaign-dashboard bench webhooks`: how many signed Resend events one app process sustains.

A fresh database gets a sent email campaign (recipients and `sent_emails` rows with provider
message ids). ONE app process serves `campaign_dashboard.api:app` on a free loopback port, with
granian as Reflex runs it in prod (or uvicorn). Threads POST N Svix-signed Resend events
(delivered, opened, clicked, hard and soft bounces; ~10% replays of other events; random order,
so replays also race their originals) over keep-alive connections, with the emulator's own
payload builder and poster. At the end the campaign counters, minute buckets and stored events
are compared with what the unique events imply (`counters_exact`), and one JSON object is printed.
"""

from __future__ import annotations

import argparse
import base64
import json
import os
import random
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
import uuid
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from campaign_dashboard.cli import arg, command
from campaign_dashboard.devtools.bench.processes import free_port

KINDS = ("email.delivered", "email.opened", "email.clicked", "email.bounced")
WEIGHTS = (35, 40, 20, 5)
DUPLICATE_SHARE = 0.10
SPREAD_S = 60  # live webhooks: events happened within the last minute (hot minute buckets)
COUNTERS = ("delivered", "opened", "unique_opens", "clicked", "unique_clicks", "bounced")
SERVERS = ("granian", "uvicorn")


@dataclass(frozen=True)
class Target:
    """A message the campaign sent: what an event names."""

    message_id: str
    recipient_id: int
    address: str


@dataclass(frozen=True)
class Request:
    kind: str
    message_id: str
    body: bytes
    headers: dict[str, str]


# ------------------------------------------------------------------ database


@contextmanager
def fresh_database(url: str | None) -> Iterator[str]:
    """A new, migrated database: a temporary SQLite file by default, or the SQLite file named (an
    existing one is refused, never reused); on a PostgreSQL server a database of its own
    (`cd_bench_webhooks_<random>`), dropped afterwards."""
    from sqlalchemy.engine import make_url

    from campaign_dashboard.devtools.bench.database import fresh_database as new_database
    from campaign_dashboard.migrations import upgrade

    if url is not None and make_url(url).get_backend_name() == "sqlite":
        if Path(make_url(url).database or "").exists():
            raise SystemExit(f"error: {make_url(url).database} exists; the benchmark needs a fresh database")
        upgrade(url)
        yield url
        return
    if url is not None and make_url(url).get_backend_name() != "postgresql":
        raise SystemExit("error: --database-url must be a PostgreSQL or SQLite URL")
    with tempfile.TemporaryDirectory(prefix="bench-webhooks-") as tmp:
        with new_database(server_url=url, data_dir=Path(tmp), prefix="cd_bench_webhooks") as bench_url:
            yield bench_url


def seed_sent_campaign(url: str, *, messages: int) -> tuple[int, list[Target]]:
    """A campaign in `sent` state whose `messages` emails were accepted by the provider."""
    from sqlmodel import Session

    from campaign_dashboard.db import make_engine
    from campaign_dashboard.models import Contact, EmailCampaign, EmailCampaignRecipient, SentEmail, utcnow

    engine = make_engine(url)
    try:
        with Session(engine, expire_on_commit=False) as session:
            now = utcnow()
            campaign = EmailCampaign(
                name="Webhook benchmark",
                status="sent",
                subject="Benchmark",
                from_email="bench@example.com",
                recipients=messages,
                processed=messages,
                sent=messages,
                started_at=now,
                completed_at=now,
            )
            contacts = [Contact(email=f"bench-{i}@example.com") for i in range(messages)]
            session.add(campaign)
            session.add_all(contacts)
            session.flush()
            recipients = [
                EmailCampaignRecipient(
                    campaign_id=campaign.id,
                    contact_id=c.id,
                    address=c.email,
                    status="sent",
                    provider_message_id=str(uuid.uuid4()),
                    sent_at=now,
                    attempts=1,
                )
                for c in contacts
            ]
            session.add_all(recipients)
            session.flush()
            session.add_all(
                SentEmail(
                    campaign_id=campaign.id,
                    recipient_id=r.id,
                    contact_id=r.contact_id,
                    provider_message_id=r.provider_message_id,
                    to_address=r.address,
                    subject="Benchmark",
                    sent_at=now,
                )
                for r in recipients
            )
            session.commit()
            return campaign.id, [Target(r.provider_message_id, r.id, r.address) for r in recipients]
    finally:
        engine.dispose()


# ------------------------------------------------------------------ events


def make_requests(
    targets: list[Target], *, campaign_id: int, events: int, secret: str, rng: random.Random
) -> tuple[list[Request], dict[str, int]]:
    """`events` signed requests, ~10% of them replays, shuffled; and the counters they imply."""
    from svix.webhooks import Webhook

    from campaign_dashboard.emulator import payloads, world
    from campaign_dashboard.emulator.state import Message

    svix = Webhook(secret)
    signed_at = time.time()
    unique: list[Request] = []
    for _ in range(events - round(events * DUPLICATE_SHARE)):
        target = rng.choice(targets)
        kind = rng.choices(KINDS, WEIGHTS)[0]
        detail = {}
        if kind == "email.bounced":
            detail = {"bounce": world.PERMANENT if rng.random() < 0.5 else world.TRANSIENT}
        elif kind == "email.clicked":
            detail = {"link": "https://example.com/offer"}
        message = Message(
            id=target.message_id,
            channel="email",
            to=[target.address],
            campaign=str(campaign_id),
            recipient=str(target.recipient_id),
            data={
                "from": "Bench <bench@example.com>",
                "to": [target.address],
                "subject": "Benchmark",
                "tags": [{"name": "campaign_id", "value": str(campaign_id)}],
            },
        )
        happened = signed_at - rng.uniform(0, SPREAD_S)
        body = json.dumps(payloads.resend_event(kind, message, detail, happened))
        msg_id = "msg_" + secrets.token_urlsafe(18)
        headers = {
            "content-type": "application/json",
            "svix-id": msg_id,
            "svix-timestamp": str(int(signed_at)),
            "svix-signature": svix.sign(msg_id, datetime.fromtimestamp(int(signed_at), tz=UTC), body),
        }
        unique.append(Request(kind, target.message_id, body.encode(), headers))
    requests = unique + [rng.choice(unique) for _ in range(events - len(unique))]
    rng.shuffle(requests)
    return requests, expected_counters(unique)


def expected_counters(unique: list[Request]) -> dict[str, int]:
    """What exactly-once application of these events must leave on the campaign."""
    per_message: dict[str, Counter] = {}
    for request in unique:
        per_message.setdefault(request.message_id, Counter())[request.kind] += 1
    expected = Counter()
    for kinds in per_message.values():
        expected["delivered"] += bool(kinds["email.delivered"])
        expected["opened"] += kinds["email.opened"]
        expected["unique_opens"] += bool(kinds["email.opened"])
        expected["clicked"] += kinds["email.clicked"]
        expected["unique_clicks"] += bool(kinds["email.clicked"])
        expected["bounced"] += bool(kinds["email.bounced"])
    expected["events"] = len(unique)
    return {name: expected[name] for name in (*COUNTERS, "events")}


def stored_counters(url: str, campaign_id: int) -> tuple[dict[str, int], dict[str, int]]:
    """The campaign's counters (plus stored events), and the sums of its minute buckets."""
    from sqlalchemy import func, select
    from sqlmodel import Session

    from campaign_dashboard.db import make_engine
    from campaign_dashboard.models import CampaignStatsMinute, EmailCampaign, EmailEvent

    engine = make_engine(url)
    try:
        with Session(engine) as session:
            campaign = session.get(EmailCampaign, campaign_id)
            counters = {name: getattr(campaign, name) for name in COUNTERS}
            counters["events"] = session.scalar(
                select(func.count()).select_from(EmailEvent).where(EmailEvent.campaign_id == campaign_id)
            )
            buckets = dict(
                session.execute(
                    select(CampaignStatsMinute.metric, func.sum(CampaignStatsMinute.count))
                    .where(CampaignStatsMinute.channel == "email", CampaignStatsMinute.campaign_id == campaign_id)
                    .group_by(CampaignStatsMinute.metric)
                ).all()
            )
            return counters, {name: int(buckets.get(name, 0)) for name in COUNTERS}
    finally:
        engine.dispose()


# ------------------------------------------------------------------ the app process


def server_argv(server: str, port: int, profile: str | None) -> list[str]:
    app = "campaign_dashboard.api:app"
    if server == "granian":
        return [
            sys.executable,
            "-m",
            "granian",
            "--interface",
            "asgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            "1",
            "--no-ws",
            "--log-level",
            "warning",
            app,
        ]
    profiler = ["-m", "cProfile", "-o", profile] if profile else []
    return [
        sys.executable,
        *profiler,
        "-m",
        "uvicorn",
        app,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--no-access-log",
        "--log-level",
        "warning",
    ]


@contextmanager
def app_process(url: str, *, server: str, secret: str, data_dir: str, profile: str | None = None):
    """Serve the API alone in its own process group; yields (base URL, process). Its output goes
    to a log file (stdout is the benchmark's JSON), shown if it fails to start."""
    port = free_port()
    env = dict(os.environ, DATABASE_URL=url, DATA_DIR=data_dir, RESEND_WEBHOOK_SECRET=secret, PYTHONUNBUFFERED="1")
    log_path = Path(data_dir) / "app.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            server_argv(server, port, profile),
            env=env,
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, process, log_path)
        yield base, process
    finally:
        stop_process(process)


def wait_until_healthy(base: str, process: subprocess.Popen, log_path: Path, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(
                f"error: the app process exited with code {process.returncode} before serving:\n"
                + log_path.read_text(errors="replace")[-3000:]
            )
        try:
            with urllib.request.urlopen(f"{base}/api/health", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"error: the app did not answer {base}/api/health within {timeout:.0f} s")


def stop_process(process: subprocess.Popen) -> None:
    """SIGINT first (uvicorn then exits cleanly and cProfile writes its file), then the group."""
    for sig, wait in ((signal.SIGINT, 20), (signal.SIGTERM, 5), (signal.SIGKILL, 5)):
        if process.poll() is not None:
            return
        try:
            os.killpg(process.pid, sig)
        except ProcessLookupError:
            return
        try:
            process.wait(timeout=wait)
        except subprocess.TimeoutExpired:
            continue


class ServerMeter:
    """CPU seconds and peak resident memory of the app process and its children (granian's worker)."""

    def __init__(self, pid: int) -> None:
        import psutil

        self.root = psutil.Process(pid)
        self.start = self.cpu_seconds()

    def tree(self):
        return [self.root, *self.root.children(recursive=True)]

    def cpu_seconds(self) -> float:
        return sum(sum(p.cpu_times()[:2]) for p in self.tree())

    def peak_rss_mb(self) -> float:
        """Sum of every process's high-water mark (VmHWM); falls back to the current RSS."""
        total = 0
        for process in self.tree():
            try:
                status = Path(f"/proc/{process.pid}/status").read_text()
                total += next(int(line.split()[1]) * 1024 for line in status.splitlines() if line.startswith("VmHWM:"))
            except (OSError, StopIteration):
                total += process.memory_info().rss
        return total / 2**20


# ------------------------------------------------------------------ load


def send_all(base: str, requests: list[Request], *, concurrency: int) -> tuple[list[float], Counter, float]:
    """POST every request from `concurrency` threads, each on its own keep-alive connection.
    Returns per-request latencies (s), the outcome counts and the wall time."""
    from campaign_dashboard.emulator.http import Poster

    url = f"{base}/webhooks/resend"
    latencies = [0.0] * len(requests)
    outcomes: Counter = Counter()
    lock = threading.Lock()
    cursor = iter(range(len(requests)))  # next() on a range iterator is atomic under the GIL

    def worker() -> None:
        poster, seen = Poster(), Counter()
        try:
            for i in cursor:
                request = requests[i]
                started = time.perf_counter()
                try:
                    status, content = poster.post(url, request.body, request.headers)
                except OSError as exc:
                    seen[f"error: {exc.__class__.__name__}"] += 1
                    continue
                latencies[i] = time.perf_counter() - started
                seen[json.loads(content).get("status") if status == 200 else f"http {status}"] += 1
        finally:
            poster.close()
            with lock:
                outcomes.update(seen)

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(max(1, concurrency))]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return latencies, outcomes, time.perf_counter() - started


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))] if ordered else 0.0


# ------------------------------------------------------------------ the command


def run(
    *,
    events: int,
    database_url: str | None,
    concurrency: int,
    messages: int | None,
    server: str,
    seed: int,
    warmup: int,
    profile: str | None = None,
) -> dict:
    if events < 1:
        raise SystemExit("error: --events must be at least 1")
    rng = random.Random(seed)
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()  # Svix secrets: standard base64
    messages = messages or max(20, events // 5)
    data_dir = tempfile.mkdtemp(prefix="bench-webhooks-data-")
    try:
        with fresh_database(database_url) as url:
            campaign_id, targets = seed_sent_campaign(url, messages=messages)
            requests, expected = make_requests(targets, campaign_id=campaign_id, events=events, secret=secret, rng=rng)
            warmup = min(warmup, len(requests) // 10)
            with app_process(url, server=server, secret=secret, data_dir=data_dir, profile=profile) as (base, proc):
                meter = ServerMeter(proc.pid)
                _, warm_outcomes, _ = send_all(base, requests[:warmup], concurrency=1)
                meter.start = meter.cpu_seconds()
                latencies, outcomes, seconds = send_all(base, requests[warmup:], concurrency=concurrency)
                cpu_s, peak_rss_mb = meter.cpu_seconds() - meter.start, meter.peak_rss_mb()
            outcomes.update(warm_outcomes)
            counters, buckets = stored_counters(url, campaign_id)
            dialect = url.split(":", 1)[0].split("+", 1)[0]
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    timed = len(requests) - warmup
    ms = [x * 1000 for x in latencies]
    exact = (
        counters == expected
        and buckets == {k: expected[k] for k in COUNTERS}
        and outcomes["applied"] == expected["events"]
    )
    return {
        "events": timed,
        "warmup_events": warmup,
        "database": dialect,
        "server": server,
        "concurrency": concurrency,
        "messages": messages,
        "seconds": round(seconds, 3),
        "events_per_s": round(timed / seconds, 1) if seconds else None,
        "p50_ms": round(percentile(ms, 0.50), 2),
        "p99_ms": round(percentile(ms, 0.99), 2),
        "mean_ms": round(statistics.fmean(ms), 2) if ms else None,
        "counters_exact": exact,
        "outcomes": dict(sorted(outcomes.items())),
        "expected": expected,
        "counters": counters,
        "peak_rss_mb": round(peak_rss_mb, 1),
        "cpu_s": round(cpu_s, 2),
        "server_cpu_ms_per_event": round(cpu_s / timed * 1000, 3),
        "load_average_1m": round(os.getloadavg()[0], 2),  # other work on the machine skews the rest
    }


@command(
    "bench webhooks",
    "Benchmark: signed Resend events/s one app process applies, latency, and exact counters.",
    arg("--events", type=int, default=10_000, help="events to send (default 10000; ~10%% are replays)"),
    arg(
        "--database-url",
        help="default: a temporary SQLite file; a PostgreSQL URL names the server "
        "(a fresh database is created there and dropped afterwards)",
    ),
    arg("--concurrency", type=int, default=8, help="parallel keep-alive connections (default 8)"),
    arg("--messages", type=int, help="sent emails the events are spread over (default events/5)"),
    arg("--server", choices=SERVERS, default="granian", help="granian (what Reflex runs in prod, default) or uvicorn"),
    arg("--warmup", type=int, default=50, help="events sent first, one at a time, not timed (default 50)"),
    arg("--seed", type=int, default=1, help="random seed of the event mix"),
    arg("--profile", metavar="FILE", help="run the app under cProfile (uvicorn) and write the stats here"),
    arg("--json", action="store_true", help="print one JSON object"),
)
def bench_webhooks_command(args: argparse.Namespace) -> int:
    server = "uvicorn" if args.profile else args.server
    result = run(
        events=args.events,
        database_url=args.database_url,
        concurrency=args.concurrency,
        messages=args.messages,
        server=server,
        seed=args.seed,
        warmup=args.warmup,
        profile=os.path.abspath(args.profile) if args.profile else None,
    )
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{result['events']} events on {result['database']} ({result['server']}, {args.concurrency} "
            f"connections): {result['events_per_s']} events/s, p50 {result['p50_ms']} ms, "
            f"p99 {result['p99_ms']} ms, counters exact: {result['counters_exact']}, "
            f"server CPU {result['cpu_s']} s, peak RSS {result['peak_rss_mb']} MB"
        )
    return 0 if result["counters_exact"] else 1
