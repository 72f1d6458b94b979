"""`campaign-dashboard bench webhooks`: how many signed Resend events the app sustains.

A fresh database gets a sent email campaign (recipients and `sent_emails` rows with provider
message ids). One app server (--processes worker processes, default 1) serves
`campaign_dashboard.api:app` on a free loopback port, with granian as Reflex runs it in prod (or
uvicorn). Threads (in --clients processes, so one client's GIL does not cap the rate) POST N
Svix-signed Resend events (delivered, opened, clicked, hard and soft bounces; ~10% replays of
other events; random order, so replays also race their originals) over keep-alive connections,
with the emulator's own payload builder and poster. At the end the campaign counters, minute
buckets and stored events are compared with what the unique events imply (`counters_exact`), and
one JSON object is printed. This module runs the app and the load; the campaign, the events and
their counters: `webhooks_data`.
"""

from __future__ import annotations

import base64
import http.client
import json
import multiprocessing
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
from collections import Counter
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from campaign_dashboard.devtools.bench.processes import ResourceSampler, free_port, postgres_server_pids
from campaign_dashboard.devtools.bench.webhooks_data import (
    COUNTERS,
    Request,
    fresh_database,
    make_requests,
    seed_sent_campaign,
    store_history,
    stored_counters,
)

SERVERS = ("granian", "uvicorn")


# ------------------------------------------------------------------ the app process


def server_argv(server: str, port: int, profile: str | None, processes: int = 1) -> list[str]:
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
            str(processes),
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
        "--workers",
        str(processes),
        "--no-access-log",
        "--log-level",
        "warning",
    ]


@contextmanager
def app_process(url: str, *, server: str, secret: str, data_dir: str, profile: str | None = None, processes: int = 1):
    """Serve the API alone in its own process group; yields (base URL, process) once each of its
    `processes` workers answers. Its output goes to a log file (stdout is the benchmark's JSON),
    shown if it fails to start."""
    port = free_port()
    env = dict(os.environ, DATABASE_URL=url, DATA_DIR=data_dir, RESEND_WEBHOOK_SECRET=secret, PYTHONUNBUFFERED="1")
    log_path = Path(data_dir) / "app.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen(
            server_argv(server, port, profile, processes),
            env=env,
            start_new_session=True,
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
    base = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(base, process, log_path)
        wait_until_every_worker_answers(port, process, processes)
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


def wait_until_every_worker_answers(port: int, process: subprocess.Popen, processes: int, timeout: float = 90) -> None:
    """Until `processes` distinct processes of the server hold answered connections: the first
    answer of /api/health only says ONE worker is up, and keep-alive connections opened while the
    others still load the app would all stay on it."""
    if processes == 1:
        return
    deadline = time.monotonic() + timeout
    while True:
        connections = [http.client.HTTPConnection("127.0.0.1", port, timeout=5) for _ in range(4 * processes)]
        try:
            for connection in connections:
                connection.request("GET", "/api/health")
            for connection in connections:
                connection.getresponse().read()
            owners = connections_by_process(process.pid, port)
        except (OSError, http.client.HTTPException):
            owners = Counter()
        finally:
            for connection in connections:
                connection.close()
        if len(owners) >= processes:
            return
        if time.monotonic() > deadline:
            raise SystemExit(f"error: {len(owners)} of {processes} server processes answered in {timeout:.0f} s")
        time.sleep(0.5)


def connections_by_process(root_pid: int, port: int) -> Counter[int]:
    """Established connections to `port` per process of the server's tree: which workers serve."""
    import psutil

    owners: Counter[int] = Counter()
    root = psutil.Process(root_pid)
    for proc in [root, *root.children(recursive=True)]:
        try:
            connections = proc.net_connections(kind="tcp")
        except psutil.Error:
            continue
        owners[proc.pid] += sum(c.status == psutil.CONN_ESTABLISHED and c.laddr.port == port for c in connections)
    return +owners


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
    """CPU seconds and peak resident memory of the server's processes: the main process and every
    worker (granian's, or uvicorn's with more than one)."""

    def __init__(self, pid: int) -> None:
        import psutil

        self.root = psutil.Process(pid)
        self.start = self.cpu_by_process()

    def tree(self):
        return [self.root, *self.root.children(recursive=True)]

    def cpu_by_process(self) -> dict[int, float]:
        return {p.pid: sum(p.cpu_times()[:2]) for p in self.tree()}

    def used_by_process(self) -> list[float]:
        """CPU seconds each process used since `start`, busiest first: how evenly workers share the load."""
        now = self.cpu_by_process()
        return sorted((cpu - self.start.get(pid, 0.0) for pid, cpu in now.items()), reverse=True)

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
        poster, seen = Poster(), Counter[str]()
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


@dataclass
class Load:
    latencies: list[float]  # seconds, one per request (0 for one that failed)
    outcomes: Counter
    seconds: float  # wall time of the whole load
    client_cpu_s: list[float]  # CPU seconds of each client process while it sent


def drive(base: str, requests: list[Request], *, concurrency: int, clients: int) -> Load:
    """POST every request over `concurrency` connections from `clients` processes (threads split
    between them). One client runs in this process; more are spawned, get their share of the
    requests up front and start together, so a single interpreter's GIL need not cap the rate."""
    if clients == 1:
        cpu = time.process_time()
        latencies, outcomes, seconds = send_all(base, requests, concurrency=concurrency)
        return Load(latencies, outcomes, seconds, [time.process_time() - cpu])
    context = multiprocessing.get_context("spawn")  # no fork of a process that may hold threads
    ready, go, results = context.Queue(), context.Event(), context.Queue()
    children = [
        context.Process(
            target=client_process,
            args=(base, requests[i::clients], concurrency // clients + (i < concurrency % clients), ready, go, results),
            daemon=True,
        )
        for i in range(clients)
    ]
    for child in children:
        child.start()
    try:
        for _ in children:
            ready.get(timeout=120)
        started = time.perf_counter()
        go.set()
        load = Load([], Counter(), 0.0, [])
        for _ in children:  # read before joining: a child with unread results does not exit
            latencies, outcomes, cpu = results.get()
            load.latencies += latencies
            load.outcomes.update(outcomes)
            load.client_cpu_s.append(cpu)
        load.seconds = time.perf_counter() - started
    finally:
        for child in children:
            child.join(timeout=10)
            if child.is_alive():
                child.kill()
    return load


def client_process(base: str, requests: list[Request], concurrency: int, ready, go, results) -> None:
    """One spawned client: say it is ready, wait for the common start, send, report."""
    ready.put(os.getpid())
    go.wait()
    cpu = time.process_time()
    latencies, outcomes, _ = send_all(base, requests, concurrency=max(1, concurrency))
    results.put((latencies, outcomes, time.process_time() - cpu))


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
    processes: int = 1,
    clients: int = 1,
    stored_events: int = 0,
) -> dict:
    if events < 1:
        raise SystemExit("error: --events must be at least 1")
    if min(processes, clients, concurrency) < 1 or clients > concurrency:
        raise SystemExit("error: needs --processes >= 1 and 1 <= --clients <= --concurrency")
    if profile and processes > 1:
        raise SystemExit("error: --profile profiles one process; use it with --processes 1")
    rng = random.Random(seed)
    secret = "whsec_" + base64.b64encode(secrets.token_bytes(24)).decode()  # Svix secrets: standard base64
    messages = messages or max(20, events // 5)
    data_dir = tempfile.mkdtemp(prefix="bench-webhooks-data-")
    try:
        with fresh_database(database_url) as url:
            if stored_events:
                store_history(url, events=stored_events)
            campaign_id, targets = seed_sent_campaign(url, messages=messages)
            requests, expected = make_requests(targets, campaign_id=campaign_id, events=events, secret=secret, rng=rng)
            warmup = min(warmup, len(requests) // 10)
            with app_process(
                url, server=server, secret=secret, data_dir=data_dir, profile=profile, processes=processes
            ) as (base, proc):
                meter = ServerMeter(proc.pid)
                _, warm_outcomes, _ = send_all(base, requests[:warmup], concurrency=1)
                meter.start = meter.cpu_by_process()
                server_pids = postgres_server_pids() if not url.startswith("sqlite") else []
                with ResourceSampler(server_pids) as database:
                    load = drive(base, requests[warmup:], concurrency=concurrency, clients=clients)
                    database.stop()
                cpu_by_process, peak_rss_mb = meter.used_by_process(), meter.peak_rss_mb()
            load.outcomes.update(warm_outcomes)
            counters, buckets = stored_counters(url, campaign_id)
            dialect = url.split(":", 1)[0].split("+", 1)[0]
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
    timed, seconds, cpu_s = len(requests) - warmup, load.seconds, sum(cpu_by_process)
    ms = [x * 1000 for x in load.latencies]
    exact = (
        counters == expected
        and buckets == {k: expected[k] for k in COUNTERS}
        and load.outcomes["applied"] == expected["events"]
    )
    return {
        "events": timed,
        "warmup_events": warmup,
        "database": dialect,
        "server": server,
        "processes": processes,
        "concurrency": concurrency,
        "clients": clients,
        "messages": messages,
        "stored_events": stored_events,
        "seconds": round(seconds, 3),
        "events_per_s": round(timed / seconds, 1) if seconds else None,
        "p50_ms": round(percentile(ms, 0.50), 2),
        "p99_ms": round(percentile(ms, 0.99), 2),
        "mean_ms": round(statistics.fmean(ms), 2) if ms else None,
        "counters_exact": exact,
        "outcomes": dict(sorted(load.outcomes.items())),
        "expected": expected,
        "counters": counters,
        "peak_rss_mb": round(peak_rss_mb, 1),
        "cpu_s": round(cpu_s, 2),
        # Each server process's share, busiest first: a worker near 0 got none of the connections.
        "cpu_s_by_process": [round(cpu, 2) for cpu in cpu_by_process],
        "server_cpu_ms_per_event": round(cpu_s / timed * 1000, 3),
        # PostgreSQL's own processes (None on SQLite, which works inside the app process)
        "database_cpu_ms_per_event": round(database.cpu_s / timed * 1000, 3) if server_pids else None,
        # CPU seconds per wall second of the busiest client process: near 1.0 its GIL (one core)
        # is the limit, so add --clients; well under 1.0 the client keeps up.
        "client_busy": round(max(load.client_cpu_s) / seconds, 2) if seconds else None,
        "client_cpu_s": round(sum(load.client_cpu_s), 2),
        "load_average_1m": round(os.getloadavg()[0], 2),  # other work on the machine skews the rest
    }
