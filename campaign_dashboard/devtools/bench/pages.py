"""`campaign-dashboard bench pages`: how long each dashboard page takes to show its content.

A fresh database (SQLite, or a new PostgreSQL database with --database-url) gets --campaigns
campaigns in every status with recipient ledgers and counters, the newest of them an email
campaign sent to --recipients contacts with its sent emails, events and per-minute stats, all
inserted set-based (INSERT ... SELECT). Then the real app starts (`campaign-dashboard up
--no-seed` on a free port), Chromium (Playwright) logs in and loads every main page --loads times
after one warm-up load, each as a link opened in a new tab (a Reflex state of its own, so nothing
shown comes from the load before). A load is timed in the page itself: from the start of the
navigation (performance.now() = 0) to the first animation frame where the page's main content is
visible and no spinner is left. The contacts list is also opened with a search and with filters
in its address, as a shared link gives them; the big campaign's recipients table, whose status
filter is not in the address, is timed from the click on the status to the filtered rows. Goals:
no page over 1 s (issue 5), also with a million contacts and recipients (issue 15). The data:
`pages_data`."""

from __future__ import annotations

import os
import re
import statistics
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from sqlalchemy.engine import make_url
from sqlmodel import Session

from campaign_dashboard.cli.supervisor import ROOT
from campaign_dashboard.devtools.bench.database import fresh_database
from campaign_dashboard.devtools.bench.pages_data import BenchData, build_data
from campaign_dashboard.devtools.bench.processes import (
    Children,
    ResourceSampler,
    child_environment,
    free_port,
    wait_for_line,
)
from campaign_dashboard.models import Role

GOAL_MS = 1000
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]  # as tests/ui/conftest.py
BENCH_USER = ("bench-admin@example.com", "bench-admin-password")
START_TIMEOUT = 600  # a cold frontend install and build can take minutes
CONTENT_TIMEOUT_MS = 30_000
FILTERED_STATUS = "complained"  # the rarest status of the big campaign's recipients (0.2%)


@dataclass(frozen=True)
class PageSpec:
    name: str
    path: str  # with a query when the page reads its search and filters from the address
    # The main content, as (CSS selector, text) pairs: loaded when, for one pair, the selector
    # matches visible elements and every one contains the text (pages get rewritten; each pair
    # fits one version of the page).
    ready: tuple[tuple[str, str], ...]
    # For state the address does not carry: once `ready` shows, click these in order; then the
    # time runs from the last click to when `then_ready` shows, instead of from the navigation.
    clicks: tuple[str, ...] = ()
    then_ready: tuple[tuple[str, str], ...] = ()


@dataclass
class PageResult:
    name: str
    path: str
    median_ms: float | None = None
    loads_ms: list[float] = field(default_factory=list)
    skipped: str | None = None  # this build has no such page
    error: str | None = None  # the page never showed its content


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


# Runs in the page at every animation frame: once one (selector, text) pair is shown (see
# PageSpec.ready) and no spinner is visible anywhere, the time since the navigation started, or
# (`sinceClick`) since the click `ARM_CLICK` caught.
READY = """([pairs, sinceClick]) => {
  const shown = (el) => el.getClientRects().length > 0 && getComputedStyle(el).visibility !== 'hidden';
  const has = (el, text) => !text || el.innerText.toLowerCase().includes(text.toLowerCase());
  if (sinceClick && window.__benchClickAt === undefined) return false;
  const loaded = pairs.some(([selector, text]) => {
    const found = [...document.querySelectorAll(selector)].filter(shown);
    return found.length > 0 && found.every((el) => has(el, text));
  });
  if (!loaded || [...document.querySelectorAll('.rt-Spinner')].some(shown)) return false;
  return performance.now() - (sinceClick ? window.__benchClickAt : 0);
}"""
# The time of the next press of the pointer, in the page (the click Playwright makes next).
ARM_CLICK = """() => {
  delete window.__benchClickAt;
  document.addEventListener('pointerdown', () => { window.__benchClickAt ??= performance.now(); }, { capture: true });
}"""
# Every document starts without Reflex's session token, so each load gets a fresh state like a new
# tab: otherwise the state the last load left (same rows, same totals) shows before this load's
# reads finish. The login is a cookie and stays.
NEW_TAB = "window.sessionStorage.removeItem('token')"


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
        *contact_list_specs(data),
        PageSpec(
            f"email campaign detail ({data.big_campaign}), recipients filtered to {FILTERED_STATUS}",
            f"/email/{data.big_campaign_id}",
            (("#recipients tbody tr", ""),),
            clicks=("#recipient-filter", f'role=option[name="{FILTERED_STATUS}"]'),
            then_ready=(("#recipients tbody tr", FILTERED_STATUS),),
        ),
        PageSpec("segments", "/segments", (("#segments", data.segment),)),
        PageSpec("templates", "/templates", (("#templates", data.template),)),
        PageSpec("settings", "/settings", (("#settings", ""),)),
    ]


def contact_list_specs(data: BenchData) -> list[PageSpec]:
    """The contacts list opened with a search or a filter in its address: each waits for rows that
    all match (the searched contact itself), or for the "nothing matches" note."""
    rows = "#contacts tbody tr"
    return [
        PageSpec(
            "contacts, search one contact by email",
            contacts_path(q=data.searched_contact),
            ((rows, data.searched_contact),),
        ),
        PageSpec(
            "contacts, search that matches nobody",
            contacts_path(q="nobody-matches-this"),
            (("#contacts-none-match", ""),),
        ),
        PageSpec(
            "contacts, search that every contact matches",
            contacts_path(q="example.com"),
            ((rows, "example.com"),),
        ),
        PageSpec(
            "contacts, two-letter search that matches nobody",
            contacts_path(q="zq"),
            (("#contacts-none-match", ""),),
        ),
        PageSpec(
            "contacts, two-letter search that a fifth of contacts start with",
            contacts_path(q="ch"),
            ((rows, "ch"),),
        ),
        PageSpec(
            "contacts, filter email status unsubscribed",
            contacts_path(email_status="unsubscribed"),
            ((rows, "unsubscribed"),),
        ),
        PageSpec(
            f"contacts, filter tag {data.filtered_tag}",
            contacts_path(tag=data.filtered_tag),
            ((rows, data.filtered_tag),),
        ),
        PageSpec(
            "contacts, search a first name and filter SMS opted out",
            contacts_path(q="Chloe", sms_status="opted_out"),
            ((rows, "opted_out"),),
        ),
    ]


def contacts_path(**query: str) -> str:
    return f"/contacts?{urlencode(query)}"


def has_page(path: str) -> bool:
    """Whether this build of the dashboard has a page at `path` (`/email/12` matches `/email/[id]`)."""
    from campaign_dashboard.ui import pages  # noqa: F401 - registers every page
    from campaign_dashboard.ui.layout import PAGES

    patterns = [re.sub(r"\\\[[^/]+?\\\]", "[^/]+", re.escape(p["route"].rstrip("/") or "/")) for p in PAGES]
    path = urlsplit(path).path
    return any(re.fullmatch(pattern, path.rstrip("/") or "/") for pattern in patterns)


def measure(url: str, specs: list[PageSpec], *, loads: int) -> list[PageResult]:
    from playwright.sync_api import TimeoutError as PlaywrightTimeout
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=url)
            context.add_init_script(NEW_TAB)
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
                        ms = timed_load(page, spec)
                        if n:
                            result.loads_ms.append(round(ms, 1))
                except PlaywrightTimeout:
                    wanted = spec.then_ready or spec.ready
                    result.error = f"no content within {CONTENT_TIMEOUT_MS // 1000} s: none of {wanted} appeared"
                    continue
                result.median_ms = round(statistics.median(result.loads_ms), 1)
        finally:
            browser.close()
    return results


def timed_load(page, spec: PageSpec) -> float:
    """Milliseconds from the navigation (or from the last of `spec.clicks`) to the content."""
    page.goto(spec.path.lstrip("/") or "/", wait_until="commit")
    ms = wait_ready(page, spec.ready, since_click=False)
    if not spec.clicks:
        return ms
    *before, last = spec.clicks
    for selector in before:
        page.locator(selector).click()
    page.evaluate(ARM_CLICK)
    page.locator(last).click()
    return wait_ready(page, spec.then_ready, since_click=True)


def wait_ready(page, pairs: tuple[tuple[str, str], ...], *, since_click: bool) -> float:
    arg = [[list(p) for p in pairs], since_click]
    return page.wait_for_function(READY, arg=arg, polling="raf", timeout=CONTENT_TIMEOUT_MS).json_value()


def run(*, campaigns: int, recipients: int, loads: int, database_url: str | None, contacts: int | None = None) -> dict:
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as tmp:
        data_dir = Path(tmp)
        with fresh_database(server_url=database_url, data_dir=data_dir) as url:
            from campaign_dashboard.db import make_engine
            from campaign_dashboard.services.accounts.users import create_user

            engine = make_engine(url)
            started = time.monotonic()
            with ResourceSampler([os.getpid()]) as sampler:
                rss_before = sampler.peak_rss_mb
                data = build_data(engine, campaigns=campaigns, recipients=recipients, contacts=contacts)
            build_seconds, build_rss = time.monotonic() - started, [rss_before, sampler.peak_rss_mb]
            with Session(engine) as session:
                create_user(
                    session=session, email=BENCH_USER[0], name="Bench admin", password=BENCH_USER[1], role=Role.ADMIN
                )
            engine.dispose()
            with running_app(url, data_dir) as app_url:
                load_before = os.getloadavg()[0]
                results = measure(app_url, page_specs(data), loads=loads)
                load_after = os.getloadavg()[0]
    return {
        "database": make_url(url).get_backend_name(),
        "campaigns": campaigns,
        "recipients": recipients,
        "contacts": data.contacts,
        "data": asdict(data),
        "build_seconds": round(build_seconds, 1),
        # This process's RSS when the build began and its peak during the build (sampled every
        # 0.25 s): set-based inserts keep it flat whatever the size.
        "build_rss_mb": build_rss,
        "loads_per_page": loads,
        "goal_ms": GOAL_MS,
        "pages": [asdict(r) for r in results],
        "over_goal": [r.name for r in results if r.median_ms is not None and r.median_ms > GOAL_MS],
        "errors": {r.name: r.error for r in results if r.error},
        # The machine's 1-minute load average before and after timing (other work skews the numbers).
        "load_average": [round(load_before, 2), round(load_after, 2)],
    }
