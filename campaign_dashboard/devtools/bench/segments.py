"""`campaign-dashboard bench segments`: how long the live count of a behaviour segment takes.

A fresh database (SQLite file, or a new PostgreSQL database with --database-url) gets --contacts
contacts and about --ledger-rows recipient ledger rows (`segments_data`), then each behaviour rule
(and two mixes with attribute rules) is counted through `segments.preview_count`, the call behind
the rule builder's live count and `POST /api/v1/segments/preview-count`: one warm-up, then
--repeats timed counts, each in a new session. Goal (issue 13): under 500 ms each.
"""

from __future__ import annotations

import os
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.base import Executable
from sqlalchemy.sql.elements import ClauseElement
from sqlmodel import Session

from campaign_dashboard.devtools.bench.database import fresh_database
from campaign_dashboard.devtools.bench.segments_data import SegmentsData, build

GOAL_MS = 500
DAYS = 30


def rules_to_time(data: SegmentsData) -> list[tuple[str, list[dict[str, Any]], str]]:
    """(name, rules, match) for every behaviour op, on the middle email and the last SMS campaign."""
    email = data.email_campaign_ids[len(data.email_campaign_ids) // 2]
    sms = data.sms_campaign_ids[-1]
    cut = time.strftime("%Y-%m-%d", time.gmtime(time.time() - 21 * 86400))
    ops: list[tuple[str, str, Any]] = [
        *[("email_campaign", op, email) for op in behaviour_ops("email_campaign")],
        *[("sms_campaign", op, sms) for op in behaviour_ops("sms_campaign")],
        *[("email_engagement", op, DAYS) for op in behaviour_ops("email_engagement")],
        ("last_engagement", "after", cut),
        ("last_engagement", "before", cut),
    ]
    timed = [(f"{field} {op} {value}", [{"field": field, "op": op, "value": value}], "all") for field, op, value in ops]
    subscribed = {"field": "email_status", "op": "is", "value": "subscribed"}
    timed += [
        (
            f"all: not_opened {email} + email_status + first_name contains",
            [
                {"field": "email_campaign", "op": "not_opened", "value": email},
                subscribed,
                {"field": "first_name", "op": "contains", "value": "7"},
            ],
            "all",
        ),
        (
            f"any: clicked {email} / opened_within_days {DAYS} / sms replied {sms}",
            [
                {"field": "email_campaign", "op": "clicked", "value": email},
                {"field": "email_engagement", "op": "opened_within_days", "value": DAYS},
                {"field": "sms_campaign", "op": "replied", "value": sms},
            ],
            "any",
        ),
    ]
    return timed


def behaviour_ops(field: str) -> tuple[str, ...]:
    from campaign_dashboard.services.audience.behaviour_rules import OPS

    return OPS[field]


def run(*, contacts: int, ledger_rows: int, repeats: int, database_url: str | None, plans: bool = False) -> dict:
    """Build the data in a fresh database and time each rule's count; the report as a dict."""
    from campaign_dashboard.db import make_engine
    from campaign_dashboard.services.audience import segments
    from campaign_dashboard.services.audience.segment_rules import contact_ids_select

    load_before = os.getloadavg()
    with (
        tempfile.TemporaryDirectory(prefix="cd-bench-segments-") as tmp,
        fresh_database(server_url=database_url, data_dir=Path(tmp), prefix="cd_bench_segments") as url,
    ):
        engine = make_engine(url)
        started = time.monotonic()
        data = build(engine, contacts=contacts, ledger_rows=ledger_rows)
        build_seconds = time.monotonic() - started
        results = []
        for name, rules, match in rules_to_time(data):
            times, count = [], 0
            for attempt in range(repeats + 1):
                with Session(engine) as session:
                    began = time.perf_counter()
                    count = segments.preview_count(session=session, rules=rules, match=match)
                    if attempt:  # the first one warms the caches
                        times.append((time.perf_counter() - began) * 1000)
            result: dict[str, Any] = {
                "rule": name,
                "count": count,
                "median_ms": round(statistics.median(times), 1),
                "max_ms": round(max(times), 1),
            }
            if plans:
                result["plan"] = _plan(engine, contact_ids_select, rules, match)
            results.append(result)
        engine.dispose()
    return {
        "database": "postgresql" if database_url else "sqlite",
        "contacts": data.contacts,
        "ledger_rows": data.ledger_rows,
        "sent_emails": data.sent_emails,
        "replies": data.replies,
        "email_campaigns": len(data.email_campaign_ids),
        "sms_campaigns": len(data.sms_campaign_ids),
        "build_seconds": round(build_seconds, 1),
        "repeats": repeats,
        "goal_ms": GOAL_MS,
        "rules": results,
        "load_average": [load_before[0], os.getloadavg()[0]],
        "cpus": os.cpu_count(),
    }


class _Explain(Executable, ClauseElement):
    """`EXPLAIN [QUERY PLAN] <statement>`, with the statement's parameters bound as usual."""

    inherit_cache = False

    def __init__(self, statement) -> None:
        self.statement = statement


@compiles(_Explain)
def _compile_explain(element: _Explain, compiler, **kw) -> str:
    prefix = "EXPLAIN QUERY PLAN " if compiler.dialect.name == "sqlite" else "EXPLAIN "
    return prefix + compiler.process(element.statement, **kw)


def _plan(engine, contact_ids_select, rules, match) -> str:
    """The database's plan for the count (EXPLAIN QUERY PLAN on SQLite, EXPLAIN on PostgreSQL)."""
    from campaign_dashboard.models import Segment

    ids = contact_ids_select(segment=Segment(name="plan", kind="rules", rules=rules, match=match)).subquery()
    with engine.connect() as conn:
        rows = conn.execute(_Explain(select(func.count()).select_from(ids))).all()
    return "\n".join(str(row[-1]) for row in rows)


def summary(report: dict) -> str:
    lines = [
        f"{report['database']}: {report['contacts']:,} contacts, {report['ledger_rows']:,} ledger rows "
        f"({report['email_campaigns']} email + {report['sms_campaigns']} SMS campaigns), "
        f"{report['sent_emails']:,} sent emails, {report['replies']:,} replies; built in {report['build_seconds']} s; "
        f"load average {report['load_average'][0]:.2f} -> {report['load_average'][1]:.2f} on {report['cpus']} CPUs"
    ]
    for rule in report["rules"]:
        flag = "" if rule["median_ms"] <= report["goal_ms"] else f"  OVER THE {report['goal_ms']} ms GOAL"
        lines.append(
            f"  {rule['rule']:<75} {rule['count']:>7,}  median {rule['median_ms']:>7.1f} ms  "
            f"max {rule['max_ms']:>7.1f} ms{flag}"
        )
        if "plan" in rule:
            lines += ["      " + line for line in rule["plan"].splitlines()]
    return "\n".join(lines)
