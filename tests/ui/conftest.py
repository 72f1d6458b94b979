"""The real app for browser tests: `campaign-dashboard up` on a free port with a fresh seeded
database, and Debian's Chromium driven by Playwright (never `playwright install`)."""

from __future__ import annotations

import fcntl
import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from campaign_dashboard.cli import ROOT
from campaign_dashboard.devtools.bench.processes import free_port
from tests.helpers.processes import healthy
from tests.helpers.ui import ACCOUNTS, login

CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
START_TIMEOUT = 300  # the first frontend install and build can take a few minutes on a cold machine


@pytest.fixture(scope="session")
def _one_app_at_a_time() -> Iterator[None]:
    """Apps started by tests share the project's `.web/` build: never two at once, even when
    test workers disagree about groups (pytest-dev/pytest-xdist#1386)."""
    lock_path = ROOT / ".reflex" / "browser-tests.lock"
    lock_path.parent.mkdir(exist_ok=True)
    with open(lock_path, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        yield


@pytest.fixture(scope="session")
def app_data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The app's DATA_DIR; its database is `sqlite:///<dir>/app.db` (for tests that check it)."""
    return tmp_path_factory.mktemp("app")


@pytest.fixture(scope="module")
def app_db(app_url: str, app_data_dir: Path):
    """The running app's own database, to check what the pages show against it."""
    from campaign_dashboard.db import make_engine

    engine = make_engine(f"sqlite:///{app_data_dir}/app.db")
    yield engine
    engine.dispose()


@pytest.fixture(scope="session")
def emulator_port() -> int:
    """The port of the app's provider emulator (tests that play the provider talk to it)."""
    return free_port()


@pytest.fixture(scope="session")
def app_url(chromium_path: str, _one_app_at_a_time: None, app_data_dir: Path, emulator_port: int) -> Iterator[str]:
    """Start `campaign-dashboard up` as a user would; stop it with Ctrl-C (SIGINT) afterwards."""
    data = app_data_dir
    port = free_port()
    env = dict(os.environ)
    env.update(
        DATA_DIR=str(data),
        DATABASE_URL=f"sqlite:///{data}/app.db",
        ENV="test",
        EMULATOR_PORT=str(emulator_port),  # never another app's emulator on the default port
        # SMS may go out at any hour of the test run (the tests read the demo's live SMS
        # events); quiet hours stay on, so the SMS dialog still explains them
        QUIET_HOURS_START="0",
        QUIET_HOURS_END="24",
        # The emulator complains for 0.1% of messages, and one complaint in a campaign's first 500
        # already trips the reputation breaker: tests that wait for "sent" would then depend on
        # chance. The breaker's own tests trip it on purpose (tests/sending/test_breaker_send.py,
        # tests/ui/test_breaker_browser.py reads the demo's tripped campaign).
        BREAKER_COMPLAINT_RATE="0.999",  # the setting takes a rate below 1
        # A frequency cap no demo contact reaches (the demo sends each at most a few messages a
        # day), so the other tests' sends are untouched; tests/ui/test_frequency_cap_browser.py
        # gives one contact ten messages today.
        FREQUENCY_CAP_MESSAGES="10",
        FREQUENCY_CAP_DAYS="1",
    )
    log_path = data / "up.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [sys.executable, "-m", "campaign_dashboard", "up", "--port", str(port)],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    url = f"http://127.0.0.1:{port}/"
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while "is running at" not in log_path.read_text():
            if proc.poll() is not None:
                pytest.fail(f"`campaign-dashboard up` exited with {proc.returncode}:\n{log_path.read_text()[-4000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"the app did not start in {START_TIMEOUT} s:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.5)
        assert healthy(url + "api/health")
        for role, (email, password) in ACCOUNTS.items():
            subprocess.run(
                [
                    sys.executable,
                    "-m",
                    "campaign_dashboard",
                    "user",
                    "create",
                    "--email",
                    email,
                    "--role",
                    role,
                    "--name",
                    f"Test {role}",
                    "--password",
                    password,
                ],
                cwd=ROOT,
                env=env,
                check=True,
                capture_output=True,
            )
        yield url
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=60)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
            pytest.fail("`campaign-dashboard up` did not stop within 60 s of Ctrl-C")
    assert not healthy(url + "api/health"), "the app still answers after Ctrl-C"


@pytest.fixture(scope="session")
def browser(chromium_path: str):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=chromium_path, headless=True, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, app_url: str):
    context = browser.new_context(viewport={"width": 1280, "height": 800}, base_url=app_url)
    page = context.new_page()
    page.set_default_timeout(30_000)
    yield page
    context.close()


@pytest.fixture
def marketer_page(page):
    login(page, "marketer")
    return page
