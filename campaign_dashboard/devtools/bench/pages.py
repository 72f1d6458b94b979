"""`campaign-dashboard bench pages`: how long each dashboard page takes to show its content.

A fresh database (SQLite, or a new PostgreSQL database with --database-url) gets --campaigns
campaigns in every status with recipient ledgers and counters, the newest of them an email
campaign sent to --recipients contacts with its sent emails, events and per-minute stats, all
inserted set-based (INSERT ... SELECT). Then the real app starts (`campaign-dashboard up
--no-seed` on a free port), Chromium (Playwright) logs in and loads every main page --loads times
after one warm-up load. A load is timed in the page itself: from the start of the navigation
(performance.now() = 0) to the first animation frame where the page's main content is visible and
no spinner is left. Goal (issue 5): no page over 1 s.
"""

from __future__ import annotations

import os
import random
import re
import statistics
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import String, and_, case, cast, func, insert, literal, select
from sqlalchemy.engine import Engine, make_url
from sqlmodel import Session

from campaign_dashboard.cli.supervisor import ROOT
from campaign_dashboard.devtools.bench.database import fresh_database, insert_contacts
from campaign_dashboard.devtools.bench.processes import Children, child_environment, free_port, wait_for_line
from campaign_dashboard.devtools.seed import apply_counters
from campaign_dashboard.models import (
    CampaignStatsMinute,
    CampaignStatus,
    Contact,
    EmailCampaign,
    EmailCampaignRecipient,
    EmailEvent,
    EmailStatus,
    EmailTemplate,
    RecipientStatus,
    Role,
    Segment,
    SentEmail,
    SmsCampaign,
    SmsCampaignRecipient,
    SmsStatus,
    utcnow,
)

GOAL_MS = 1000
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]  # as tests/ui/conftest.py
BENCH_USER = ("bench-admin@example.com", "bench-admin-password")
START_TIMEOUT = 600  # a cold frontend install and build can take minutes
CONTENT_TIMEOUT_MS = 30_000

# Recipient outcomes per 1,000 sent recipients (cumulative upper bounds), like a healthy list.
EMAIL_OUTCOMES = (
    (8, RecipientStatus.FAILED),
    (28, RecipientStatus.BOUNCED),
    (30, RecipientStatus.COMPLAINED),
    (45, RecipientStatus.SENT),
    (145, RecipientStatus.CLICKED),
    (420, RecipientStatus.OPENED),
)  # the rest: delivered
SMS_OUTCOMES = ((20, RecipientStatus.FAILED), (35, RecipientStatus.SENT))  # the rest: delivered
# How far each kind of campaign got (share of its audience processed); the rest is pending
# (paused) or cancelled (failed, cancelled).
PROGRESS = {
    CampaignStatus.SENT: 1.0,
    CampaignStatus.PAUSED: 0.45,
    CampaignStatus.FAILED: 0.06,
    CampaignStatus.CANCELLED: 0.3,
}
STATUS_MIX = (CampaignStatus.SENT,) * 12 + (
    CampaignStatus.DRAFT,
    CampaignStatus.DRAFT,
    CampaignStatus.SCHEDULED,
    CampaignStatus.PAUSED,
    CampaignStatus.FAILED,
    CampaignStatus.CANCELLED,
)
THEMES = (
    "Spring sale",
    "Newsletter",
    "Product update",
    "Webinar invite",
    "Win-back",
    "Flash sale",
    "Loyalty reminder",
    "Store opening",
    "Survey",
    "Holiday hours",
)


@dataclass
class BenchData:
    """What the pages should show once loaded (names to wait for)."""

    big_campaign_id: int
    big_campaign: str
    newest_email: str
    newest_sms: str
    segment: str
    template: str
    contacts: int = 0
    email_campaigns: int = 0
    sms_campaigns: int = 0
    recipient_rows: int = 0
    event_rows: int = 0


@dataclass(frozen=True)
class PageSpec:
    name: str
    path: str
    # The main content, as (CSS selector, text it must contain) pairs: loaded when one is visible
    # with its text (pages get rewritten; each pair fits one version of the page).
    ready: tuple[tuple[str, str], ...]


@dataclass
class PageResult:
    name: str
    path: str
    median_ms: float | None = None
    loads_ms: list[float] = field(default_factory=list)
    skipped: str | None = None  # this build has no such page
    error: str | None = None  # the page never showed its content


# --- data --------------------------------------------------------------------------------------


def _outcome(position, outcomes, default: RecipientStatus):
    """The recipient status for `position % 1000` per the cumulative `outcomes` table (SQL CASE)."""
    per_mille = position % 1000
    return case(
        *[(per_mille < bound, literal(status.value)) for bound, status in outcomes], else_=literal(default.value)
    )


def _insert_readers(engine: Engine, count: int, now: datetime) -> None:
    """`count` contacts in one INSERT ... SELECT: ~1% unsubscribed, ~0.5% bounced, 3% opted out of SMS."""

    def columns(i):
        return {
            "first_name": case(
                *[(i % 5 == k, literal(n)) for k, n in enumerate(("Ada", "Ben", "Chloe", "Dev"))], else_=literal("Eve")
            ),
            "last_name": literal("Reader") + cast(i, String),
            "timezone": literal("America/New_York"),
            "attributes": literal({"plan": "pro", "source": "bench"}, type_=Contact.__table__.c.attributes.type),
            "email_status": case(
                (i % 200 == 0, literal(EmailStatus.UNSUBSCRIBED.value)),
                (i % 200 == 1, literal(EmailStatus.BOUNCED.value)),
                else_=literal(EmailStatus.SUBSCRIBED.value),
            ),
            "sms_status": case(
                (i % 33 == 0, literal(SmsStatus.OPTED_OUT.value)), else_=literal(SmsStatus.SUBSCRIBED.value)
            ),
        }

    insert_contacts(
        engine, count, prefix="reader", phone_start=2125550000, created_at=now - timedelta(days=30), columns=columns
    )


def _insert_recipients(
    conn, channel: str, campaign_id: int, audience: int, status: CampaignStatus, sent_at: datetime, *, first: int
) -> None:
    """Ledger rows for the contacts with ids `first .. first + audience - 1`, in one INSERT ... SELECT."""
    Recipient = EmailCampaignRecipient if channel == "email" else SmsCampaignRecipient
    address = Contact.email if channel == "email" else Contact.phone
    position = Contact.id - first
    reached = position < int(audience * PROGRESS[status])
    outcomes = EMAIL_OUTCOMES if channel == "email" else SMS_OUTCOMES
    not_reached = RecipientStatus.PENDING if status == CampaignStatus.PAUSED else RecipientStatus.CANCELLED
    if status == CampaignStatus.FAILED:
        outcome = case((reached, literal(RecipientStatus.FAILED.value)), else_=literal(not_reached.value))
    else:
        outcome = case(
            (reached, _outcome(position, outcomes, RecipientStatus.DELIVERED)), else_=literal(not_reached.value)
        )
    at = literal(sent_at, type_=Recipient.__table__.c.updated_at.type)
    processed = case((reached, literal(1)), else_=literal(0))
    rows = select(
        literal(campaign_id),
        Contact.id,
        address,
        outcome,
        processed,
        case((reached, literal(f"bench-{channel}-{campaign_id}-") + cast(Contact.id, String)), else_=None),
        case((reached, at), else_=None),
        at,
    ).where(Contact.id.between(first, first + audience - 1))
    columns = [
        "campaign_id",
        "contact_id",
        "address",
        "status",
        "attempts",
        "provider_message_id",
        "sent_at",
        "updated_at",
    ]
    conn.execute(insert(Recipient).from_select(columns, rows))


def _counters_from_ledger(session: Session, channel: str, campaign) -> int:
    """Counters from the ledger, as the send path and event handlers keep them."""
    Recipient = EmailCampaignRecipient if channel == "email" else SmsCampaignRecipient
    counts = session.execute(
        select(Recipient.status, func.count()).where(Recipient.campaign_id == campaign.id).group_by(Recipient.status)
    ).all()
    statuses = list(Counter({RecipientStatus(s): n for s, n in counts}).elements())
    apply_counters(campaign, statuses, random.Random(campaign.id))
    return len(statuses)


def build_data(engine: Engine, *, campaigns: int, recipients: int, seed: int = 5) -> BenchData:
    """Contacts, a segment, templates, `campaigns` campaigns (every status, 2/3 email) and the
    newest one an email campaign sent to `recipients` contacts, with events and minute stats."""
    rng = random.Random(seed)
    now = utcnow().replace(microsecond=0)
    _insert_readers(engine, recipients, now)
    with Session(engine, expire_on_commit=False) as session:
        first_contact = session.execute(select(func.min(Contact.id))).scalar_one()
        segment = Segment(
            name="Everyone subscribed",
            kind="rules",
            match="all",
            rules=[{"field": "email_status", "op": "is", "value": "subscribed"}],
        )
        template = EmailTemplate(
            name="Monthly newsletter",
            subject="News for {{ first_name }}",
            html="<h1>Hi {{ first_name }}</h1><p>What is new this month.</p>",
            text="Hi",
        )
        session.add_all([segment, template])
        session.flush()
        made: list[tuple[str, object, CampaignStatus, int]] = []
        for n in range(campaigns - 1):
            channel = "sms" if n % 3 == 2 else "email"
            status = rng.choice(STATUS_MIX)
            created = now - timedelta(days=campaigns - n, hours=rng.randrange(24))
            fields = dict(
                name=f"{THEMES[n % len(THEMES)]} {n + 1}",
                status=status,
                segment_id=segment.id,
                created_at=created,
                updated_at=created,
                last_activity_at=created,
            )
            if status == CampaignStatus.SCHEDULED:
                fields["scheduled_at"] = now + timedelta(days=30)
            if status in (CampaignStatus.FAILED, CampaignStatus.CANCELLED):
                fields["status_reason"] = (
                    "Cancelled by a marketer." if status == CampaignStatus.CANCELLED else "Provider refused the key."
                )
            campaign = (
                EmailCampaign(
                    **fields,
                    subject="Hello {{ first_name }}",
                    from_email="News <news@example.com>",
                    template_id=template.id,
                )
                if channel == "email"
                else SmsCampaign(**fields, body="News from us. Reply STOP to opt out.", from_number="+15005550006")
            )
            session.add(campaign)
            made.append((channel, campaign, status, min(recipients, rng.randrange(200, 5000))))
        big = EmailCampaign(
            name="The big launch",
            status=CampaignStatus.SENT,
            segment_id=segment.id,
            subject="The big launch",
            from_email="News <news@example.com>",
            template_id=template.id,
            created_at=now - timedelta(hours=3),
            updated_at=now - timedelta(hours=1),
        )
        session.add(big)
        session.commit()

        data = BenchData(big.id, big.name, "", "", segment.name, template.name, contacts=recipients)
        for channel, campaign, status, audience in made:
            if status in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
                continue
            started = campaign.created_at + timedelta(minutes=10)
            _insert_recipients(
                session.connection(), channel, campaign.id, audience, status, started, first=first_contact
            )
            data.recipient_rows += _counters_from_ledger(session, channel, campaign)
            campaign.started_at = started
            if status != CampaignStatus.PAUSED:
                campaign.completed_at = started + timedelta(minutes=audience // 3000 + 1)
            session.add(campaign)
        data.recipient_rows += _build_big_campaign(session, big, recipients, now, first_contact)
        data.event_rows = session.execute(select(func.count()).select_from(EmailEvent)).scalar_one()
        session.commit()
        emails = [c for ch, c, _, _ in made if ch == "email"] + [big]
        sms = [c for ch, c, _, _ in made if ch == "sms"]
        data.email_campaigns, data.sms_campaigns = len(emails), len(sms)
        data.newest_email = max(emails, key=lambda c: c.created_at).name
        data.newest_sms = max(sms, key=lambda c: c.created_at).name if sms else ""
    if engine.dialect.name == "postgresql":
        # Autovacuum would analyze the new rows within a minute; without statistics the planner
        # guesses badly (the overview's reads took 100 ms instead of 40 ms), which no user sees.
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("ANALYZE")
    return data


def _build_big_campaign(
    session: Session, big: EmailCampaign, recipients: int, now: datetime, first_contact: int
) -> int:
    """The big campaign's ledger (sent over ~`recipients/1000` minutes), one sent email per
    accepted recipient, the provider events that explain each status, and the minute buckets."""
    started = now - timedelta(hours=2)
    step = 1000  # recipients sent per minute
    conn = session.connection()
    for offset in range(0, recipients, step):
        _insert_recipients(
            conn,
            "email",
            big.id,
            min(step, recipients - offset),
            CampaignStatus.SENT,
            started + timedelta(minutes=offset // step),
            first=first_contact + offset,
        )
    r = EmailCampaignRecipient
    accepted = r.status.in_(
        [
            s.value
            for s in (
                RecipientStatus.SENT,
                RecipientStatus.DELIVERED,
                RecipientStatus.OPENED,
                RecipientStatus.CLICKED,
                RecipientStatus.BOUNCED,
                RecipientStatus.COMPLAINED,
            )
        ]
    )
    conn.execute(
        insert(SentEmail).from_select(
            [
                "campaign_id",
                "recipient_id",
                "contact_id",
                "provider_message_id",
                "to_address",
                "subject",
                "status",
                "sent_at",
                "updated_at",
                "open_count",
                "click_count",
            ],
            select(
                r.campaign_id,
                r.id,
                r.contact_id,
                r.provider_message_id,
                r.address,
                literal(big.subject),
                r.status,
                r.sent_at,
                r.sent_at,
                case(
                    (r.status.in_([RecipientStatus.OPENED.value, RecipientStatus.CLICKED.value]), literal(1)),
                    else_=literal(0),
                ),
                case((r.status == RecipientStatus.CLICKED.value, literal(1)), else_=literal(0)),
            ).where(r.campaign_id == big.id, accepted),
        )
    )
    events = {
        "delivered": (
            RecipientStatus.DELIVERED,
            RecipientStatus.OPENED,
            RecipientStatus.CLICKED,
            RecipientStatus.COMPLAINED,
        ),
        "opened": (RecipientStatus.OPENED, RecipientStatus.CLICKED),
        "clicked": (RecipientStatus.CLICKED,),
        "bounced": (RecipientStatus.BOUNCED,),
        "complained": (RecipientStatus.COMPLAINED,),
    }
    for kind, statuses in events.items():
        conn.execute(
            insert(EmailEvent).from_select(
                [
                    "provider_event_id",
                    "type",
                    "campaign_id",
                    "recipient_id",
                    "sent_email_id",
                    "provider_message_id",
                    "link",
                    "payload",
                    "occurred_at",
                    "received_at",
                ],
                select(
                    literal(f"bench-{kind}-") + cast(r.id, String),
                    literal(kind),
                    r.campaign_id,
                    r.id,
                    SentEmail.id,
                    r.provider_message_id,
                    literal("https://example.com/launch") if kind == "clicked" else literal(None, String),
                    literal({}, type_=EmailEvent.__table__.c.payload.type),
                    r.sent_at,
                    r.sent_at,
                )
                .join(SentEmail, SentEmail.recipient_id == r.id)
                .where(and_(r.campaign_id == big.id, r.status.in_([s.value for s in statuses]))),
            )
        )
    # Minute buckets as the event handlers keep them: one per (minute, metric).
    per_minute = conn.execute(
        select(r.sent_at, r.status, func.count()).where(r.campaign_id == big.id).group_by(r.sent_at, r.status)
    ).all()
    buckets: Counter = Counter()
    for minute, status, n in per_minute:
        for metric, statuses in {
            "sent": (
                RecipientStatus.SENT,
                RecipientStatus.DELIVERED,
                RecipientStatus.OPENED,
                RecipientStatus.CLICKED,
                RecipientStatus.BOUNCED,
                RecipientStatus.COMPLAINED,
            ),
            "failed": (RecipientStatus.FAILED,),
            **events,
        }.items():
            if status in {s.value for s in statuses}:
                buckets[(minute, metric)] += n
    session.execute(
        insert(CampaignStatsMinute),
        [
            {"channel": "email", "campaign_id": big.id, "minute": minute, "metric": metric, "count": n}
            for (minute, metric), n in buckets.items()
        ],
    )
    rows = _counters_from_ledger(session, "email", big)
    big.started_at = started
    big.completed_at = big.last_activity_at = started + timedelta(minutes=recipients // step + 1)
    session.add(big)
    session.commit()
    return rows


# --- the app and the browser -------------------------------------------------------------------


def apps_running_here() -> list[int]:
    """Pids of Reflex apps already running from this checkout: starting another one rebuilds the
    shared frontend build (.web) under their feet."""
    import psutil

    found = []
    for proc in psutil.process_iter(["pid", "cmdline", "cwd"]):
        cmdline = proc.info["cmdline"] or []
        if proc.info["cwd"] == str(ROOT) and "reflex" in " ".join(cmdline[:3]) and "run" in cmdline:
            found.append(proc.info["pid"])
    return found


@contextmanager
def running_app(database_url: str, data_dir: Path) -> Iterator[str]:
    """`campaign-dashboard up --no-seed` on free ports (log: `data_dir/up.log`); stopped afterwards
    (SIGTERM, which `up` handles like Ctrl-C)."""
    port = free_port()
    env = child_environment(
        DATA_DIR=str(data_dir),
        DATABASE_URL=database_url,
        ENV="test",
        EMULATOR_PORT=str(free_port()),
        PUBLIC_BASE_URL=None,
    )
    with Children(data_dir, stop_timeout=60) as children:
        proc = children.start_cli("up", ["up", "--no-seed", "--port", str(port)], env)
        try:
            wait_for_line(children.log("up"), "is running at", proc=proc, timeout=START_TIMEOUT)
        except (RuntimeError, TimeoutError) as exc:
            raise RuntimeError(
                f"`campaign-dashboard up` did not start:\n{children.log('up').read_text()[-3000:]}"
            ) from exc
        yield f"http://127.0.0.1:{port}/"


# Runs in the page at every animation frame: the time since the navigation started, once one
# (selector, text) pair is visible with its text and no spinner is visible anywhere.
READY = """(pairs) => {
  const shown = (el) => el && el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const loaded = pairs.some(([selector, text]) => {
    const el = document.querySelector(selector);
    return shown(el) && (!text || el.innerText.includes(text));
  });
  if (!loaded || [...document.querySelectorAll('.rt-Spinner')].some(shown)) return false;
  return performance.now();
}"""


def page_specs(data: BenchData) -> list[PageSpec]:
    return [
        # The overview's totals line shows zeros until the first read: wait for the real count.
        PageSpec("overview", "/", (("#totals", f"{data.contacts:,} contacts"), ("#status-counts tbody tr", ""))),
        PageSpec("email campaigns", "/email", (("#email-campaigns", data.newest_email),)),
        PageSpec("sms campaigns", "/sms", (("#sms-campaigns", data.newest_sms),)),
        PageSpec(
            f"email campaign detail ({data.big_campaign})",
            f"/email/{data.big_campaign_id}",
            (("#recipients tbody tr", ""),),
        ),
        PageSpec("contacts", "/contacts", (("#contacts tbody tr", ""),)),
        PageSpec("segments", "/segments", (("#segments", data.segment),)),
        PageSpec("templates", "/templates", (("#templates", data.template),)),
        PageSpec("settings", "/settings", (("#settings", ""),)),
    ]


def has_page(path: str) -> bool:
    """Whether this build of the dashboard has a page at `path` (`/email/12` matches `/email/[id]`)."""
    from campaign_dashboard.ui import pages  # noqa: F401 - registers every page
    from campaign_dashboard.ui.layout import PAGES

    patterns = [re.sub(r"\\\[[^/]+?\\\]", "[^/]+", re.escape(p["route"].rstrip("/") or "/")) for p in PAGES]
    return any(re.fullmatch(pattern, path.rstrip("/") or "/") for pattern in patterns)


def measure(url: str, specs: list[PageSpec], *, loads: int) -> list[PageResult]:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=url)
            page = context.new_page()
            page.set_default_timeout(60_000)
            page.goto("login")
            page.locator("#login-email").fill(BENCH_USER[0])
            page.locator("#login-password").fill(BENCH_USER[1])
            page.locator("#login-submit").click()
            page.locator("#current-role").filter(has_text="admin").wait_for()
            for spec in specs:
                result = PageResult(spec.name, spec.path)
                results.append(result)
                if not has_page(spec.path):
                    result.skipped = f"no page at {spec.path} in this build"
                    continue
                try:
                    for n in range(loads + 1):  # the first load warms caches and is not counted
                        page.goto(spec.path.lstrip("/") or "/", wait_until="commit")
                        ms = page.wait_for_function(
                            READY, arg=[list(p) for p in spec.ready], polling="raf", timeout=CONTENT_TIMEOUT_MS
                        ).json_value()
                        if n:
                            result.loads_ms.append(round(ms, 1))
                except PlaywrightTimeout:
                    result.error = f"no content within {CONTENT_TIMEOUT_MS // 1000} s: none of {spec.ready} appeared"
                    continue
                result.median_ms = round(statistics.median(result.loads_ms), 1)
        finally:
            browser.close()
    return results


def run(*, campaigns: int, recipients: int, loads: int, database_url: str | None) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        data_dir = Path(tmp)
        with fresh_database(server_url=database_url, data_dir=data_dir) as url:
            from campaign_dashboard.db import make_engine
            from campaign_dashboard.services.accounts.users import create_user

            engine = make_engine(url)
            started = time.monotonic()
            data = build_data(engine, campaigns=campaigns, recipients=recipients)
            build_seconds = time.monotonic() - started
            with Session(engine) as session:
                create_user(
                    session=session, email=BENCH_USER[0], name="Bench admin", password=BENCH_USER[1], role=Role.ADMIN
                )
            engine.dispose()
            with running_app(url, data_dir) as app_url:
                load_before = os.getloadavg()[0]
                results = measure(app_url, page_specs(data), loads=loads)
                load_after = os.getloadavg()[0]
    measured = [r for r in results if r.median_ms is not None]
    return {
        "database": make_url(url).get_backend_name(),
        "campaigns": campaigns,
        "recipients": recipients,
        "data": asdict(data),
        "build_seconds": round(build_seconds, 1),
        "loads_per_page": loads,
        "goal_ms": GOAL_MS,
        "pages": [asdict(r) for r in results],
        "over_goal": [r.name for r in measured if r.median_ms > GOAL_MS],
        "errors": {r.name: r.error for r in results if r.error},
        # The machine's 1-minute load average before and after timing (other work skews the numbers).
        "load_average": [round(load_before, 2), round(load_after, 2)],
    }
