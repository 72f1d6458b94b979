"""`campaign-dashboard bench ...`: the benchmarks' command lines. Each handler imports its benchmark
(`campaign_dashboard.devtools.bench.*`) when it runs: they need the `test` extra (psutil,
Playwright), which `--help`, `migrate` and the app itself do not."""

from __future__ import annotations

import argparse
import json
import os
import sys

from campaign_dashboard.cli.registry import arg, command
from campaign_dashboard.cli.supervisor import ROOT


def _positive(kind: type, *, allow_zero: bool = False):
    def parse(text: str):
        try:
            value = kind(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if value < 0 or (value == 0 and not allow_zero):
            raise argparse.ArgumentTypeError(f"must be {'>= 0' if allow_zero else '> 0'}, not {text}")
        return value

    return parse


@command(
    "bench soak",
    "A long email campaign on PostgreSQL + Redis with its webhooks, a fault injected every minute; "
    "prints duplicates, missing, counter mismatches and memory.",
    arg("--database-url", required=True, help="a PostgreSQL server URL (the soak makes and drops its own database)"),
    arg("--recipients", type=_positive(int), default=200_000, help="contacts in the campaign (default 200,000)"),
    arg("--minutes", type=_positive(float), default=20.0, help="about how long the campaign sends (default 20)"),
    arg("--fault-every", type=_positive(float), default=60.0, help="seconds between faults (default 60)"),
    arg("--workers", type=_positive(int), default=2, help="worker processes (default 2)"),
    arg("--threads", type=_positive(int), default=4, help="threads per worker (default 4)"),
    arg("--seed", type=int, default=1, help="the faults' order and the emulator's dice"),
    arg("--json", action="store_true", help="print the result as JSON"),
)
def bench_soak_command(args: argparse.Namespace) -> int:
    from campaign_dashboard.devtools.bench.soak import Options, run, summary

    options = Options(
        database_url=args.database_url,
        recipients=args.recipients,
        minutes=args.minutes,
        fault_every=args.fault_every,
        workers=args.workers,
        threads=args.threads,
        seed=args.seed,
    )
    result = run(options, progress=lambda message: print(message, file=sys.stderr, flush=True))
    print(json.dumps(result, indent=2) if args.json else summary(result))
    clean = not (
        result["duplicates"] or result["missing"] or result["counter_mismatches"] or result["webhooks_dropped"]
    )
    return 0 if clean and result["status"] == "sent" else 1


@command(
    "bench send",
    "Benchmark sending: a fresh database, N recipients, the emulator and W workers; prints the result.",
    arg("--channel", required=True, choices=["email", "sms"]),
    arg("--recipients", required=True, type=_positive(int), help="contacts in the campaign"),
    arg(
        "--provider-rate",
        type=_positive(float, allow_zero=True),
        default=0.0,
        help="the emulator's limit: Resend requests/s (100 emails each) or Twilio messages/s; 0 = none (default)",
    ),
    arg("--workers", type=_positive(int), default=1, help="worker processes (default 1)"),
    arg("--threads", type=_positive(int), default=4, help="threads per worker process (default 4)"),
    arg(
        "--parallelism",
        type=_positive(int),
        default=None,
        help="send-batch chains queued in parallel (default workers x threads)",
    ),
    arg(
        "--database-url",
        default=None,
        help="a PostgreSQL server URL: the benchmark creates (and drops) its own database there; "
        "default: SQLite in a temp dir",
    ),
    arg("--redis-url", default=None, help="run the queue and rate limits on Redis (default SqliteHuey)"),
    arg("--json", action="store_true", help="print one JSON object instead of a summary"),
)
def bench_send_command(args: argparse.Namespace) -> int:
    from sqlalchemy.exc import OperationalError

    from campaign_dashboard.devtools.bench.send import Options, run, summary

    options = Options(
        channel=args.channel,
        recipients=args.recipients,
        provider_rate=args.provider_rate,
        workers=args.workers,
        threads=args.threads,
        parallelism=args.parallelism,
        database_url=args.database_url,
        redis_url=args.redis_url,
    )
    try:
        result = run(options, progress=lambda message: print(f"[bench] {message}", file=sys.stderr, flush=True))
    except KeyboardInterrupt:
        print("[bench] interrupted: every process it started has been stopped.", file=sys.stderr)
        return 130
    except (RuntimeError, TimeoutError, ValueError, OperationalError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    print(json.dumps(result) if args.json else summary(result))
    ok = result["status"] == "sent" and result["duplicates"] == 0 and result["missing"] == 0
    return 0 if ok else 1


@command(
    "bench pages",
    "Time every dashboard page in Chromium with --campaigns campaigns, --contacts contacts and one "
    "--recipients campaign.",
    arg("--campaigns", type=int, default=100, help="campaigns in the database (default 100)"),
    arg("--recipients", type=int, default=100_000, help="recipients of the big campaign (default 100,000)"),
    arg("--contacts", type=int, default=None, help="contacts in the database (default: as many as --recipients)"),
    arg("--loads", type=int, default=5, help="timed loads per page, after one warm-up (default 5)"),
    arg(
        "--database-url",
        default=None,
        help="a PostgreSQL server URL: a new database is made there (default: a SQLite file)",
    ),
    arg("--json", action="store_true", help="print the results as JSON"),
)
def bench_pages_command(args: argparse.Namespace) -> int:
    from campaign_dashboard.devtools.bench.pages import GOAL_MS, apps_running_here, run

    contacts = args.recipients if args.contacts is None else args.contacts
    if args.campaigns < 2 or args.recipients < 10 or args.loads < 1 or contacts < args.recipients:
        print(
            "error: needs --campaigns >= 2, --recipients >= 10, --contacts >= --recipients and --loads >= 1",
            file=sys.stderr,
        )
        return 2
    if pids := apps_running_here():
        print(
            f"error: the app is already running from {ROOT} (pid {', '.join(map(str, pids))}); stop it first: "
            "the benchmark starts its own, which would rebuild the frontend the running one serves.",
            file=sys.stderr,
        )
        return 2
    try:
        report = run(
            campaigns=args.campaigns,
            recipients=args.recipients,
            contacts=contacts,
            loads=args.loads,
            database_url=args.database_url,
        )
    except ValueError as exc:  # not a PostgreSQL --database-url
        raise SystemExit(str(exc)) from None
    if args.json:
        print(json.dumps(report, indent=2))
        return 1 if report["errors"] else 0
    print(
        f"{report['database']}: {report['contacts']:,} contacts, {report['campaigns']} campaigns, the biggest to "
        f"{report['recipients']:,} recipients ({report['data']['recipient_rows']:,} ledger rows, "
        f"{report['data']['event_rows']:,} events; built in {report['build_seconds']} s, RSS "
        f"{report['build_rss_mb'][0]} MB, peak {report['build_rss_mb'][1]} MB; load average "
        f"{report['load_average'][0]} -> {report['load_average'][1]} on {os.cpu_count()} CPUs)"
    )
    width = max(len(page["name"]) for page in report["pages"])
    for page in report["pages"]:
        if page["skipped"] or page["error"]:
            why = "skipped: " + page["skipped"] if page["skipped"] else "ERROR: " + page["error"]
            print(f"  {page['name']:<{width}} {why}")
        else:
            flag = "" if page["median_ms"] <= GOAL_MS else "  OVER THE 1 s GOAL"
            print(f"  {page['name']:<{width}} median {page['median_ms']:>7.1f} ms  (loads {page['loads_ms']}){flag}")
    return 1 if report["errors"] else 0


@command(
    "bench webhooks",
    "Benchmark: signed Resend events/s the app applies with N processes, latency, and exact counters.",
    arg("--events", type=int, default=10_000, help="events to send (default 10000; ~10%% are replays)"),
    arg(
        "--database-url",
        help="default: a temporary SQLite file; a PostgreSQL URL names the server "
        "(a fresh database is created there and dropped afterwards)",
    ),
    arg("--concurrency", type=int, default=8, help="parallel keep-alive connections (default 8)"),
    arg("--processes", type=_positive(int), default=1, help="the app server's worker processes (default 1)"),
    arg(
        "--clients",
        type=_positive(int),
        default=1,
        help="load-generator processes sharing the connections (default 1; more when one client's CPU is the limit)",
    ),
    arg("--messages", type=int, help="sent emails the events are spread over (default events/5)"),
    arg(
        "--stored-events",
        type=int,
        default=0,
        help="events of an earlier campaign stored first, so tables and indexes are a busy install's (default 0)",
    ),
    arg(
        "--server",
        choices=("granian", "uvicorn"),
        default="granian",
        help="granian (what Reflex runs in prod, default) or uvicorn",
    ),
    arg("--warmup", type=int, default=50, help="events sent first, one at a time, not timed (default 50)"),
    arg("--seed", type=int, default=1, help="random seed of the event mix"),
    arg("--profile", metavar="FILE", help="run the app under cProfile (uvicorn) and write the stats here"),
    arg("--json", action="store_true", help="print one JSON object"),
)
def bench_webhooks_command(args: argparse.Namespace) -> int:
    from campaign_dashboard.devtools.bench.webhooks import run

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
        processes=args.processes,
        clients=args.clients,
        stored_events=max(args.stored_events, 0),
    )
    if args.json:
        print(json.dumps(result))
    else:
        print(
            f"{result['events']} events on {result['database']} ({result['server']}, {result['processes']} "
            f"process(es), {args.concurrency} connections from {args.clients} client(s)): "
            f"{result['events_per_s']} events/s, p50 {result['p50_ms']} ms, "
            f"p99 {result['p99_ms']} ms, counters exact: {result['counters_exact']}, "
            f"server CPU {result['cpu_s']} s {result['cpu_s_by_process']}, peak RSS {result['peak_rss_mb']} MB, "
            f"busiest client {result['client_busy']} CPU s per s"
        )
    return 0 if result["counters_exact"] else 1


@command(
    "bench import",
    "Peak memory and time of importing a generated contact CSV into a fresh database.",
    arg("--rows", type=int, default=1_000_000, help="contacts in the generated file (default 1,000,000)"),
    arg("--database-url", default=None, help="a PostgreSQL server URL (default: a SQLite file)"),
    arg("--json", action="store_true", help="print the result as JSON"),
)
def bench_import_command(args: argparse.Namespace) -> int:
    from campaign_dashboard.devtools.bench.csv_import import run

    report = run(rows=args.rows, database_url=args.database_url)
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key:>20}: {value}")
    return 0 if report["stored"] == args.rows else 1


@command(
    "bench segments",
    "Time the live count of every behaviour segment rule over N contacts and ~M ledger rows.",
    arg("--contacts", type=_positive(int), default=100_000, help="contacts (default 100,000)"),
    arg("--ledger-rows", type=_positive(int), default=1_000_000, help="recipient ledger rows (default 1,000,000)"),
    arg("--repeats", type=_positive(int), default=5, help="timed counts per rule, after one warm-up (default 5)"),
    arg("--database-url", default=None, help="a PostgreSQL server URL (default: a SQLite file)"),
    arg("--plans", action="store_true", help="also print each count's query plan"),
    arg("--json", action="store_true", help="print the result as JSON"),
)
def bench_segments_command(args: argparse.Namespace) -> int:
    from campaign_dashboard.devtools.bench.segments import run, summary

    if args.ledger_rows < 2 * args.contacts:
        print("error: needs --ledger-rows >= 2 x --contacts (every campaign goes to every contact)", file=sys.stderr)
        return 2
    try:
        report = run(
            contacts=args.contacts,
            ledger_rows=args.ledger_rows,
            repeats=args.repeats,
            database_url=args.database_url,
            plans=args.plans,
        )
    except ValueError as exc:  # not a PostgreSQL --database-url
        raise SystemExit(str(exc)) from None
    print(json.dumps(report, indent=2) if args.json else summary(report))
    return 0 if all(rule["median_ms"] <= report["goal_ms"] for rule in report["rules"]) else 1
