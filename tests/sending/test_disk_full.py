"""SQLite with its disk full during a send (the data dir on a small tmpfs, nearly filled): the
campaign stops with the reason said instead of failing its recipients or corrupting the database,
and carries on by itself once space returns: every recipient exactly once (issue 15, 2)."""

from __future__ import annotations

import subprocess
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlmodel import Session

from campaign_dashboard.config import get_settings
from campaign_dashboard.models import Channel, EmailCampaign
from campaign_dashboard.services.stats import waiting
from tests.helpers.sending import add_contacts, assert_exactly_once, make_campaign, start, wait_for_status

pytestmark = [pytest.mark.xdist_group("sending"), pytest.mark.slow]

RECIPIENTS = 3000
DISK = "24m"


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A tmpfs of DISK, mounted for this test (root only, else skipped)."""
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={DISK}", "tmpfs", str(mount)], capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here ({done.stderr.decode().strip() or 'not root'})")
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


@pytest.fixture
def database_url(small_disk: Path) -> str:
    from campaign_dashboard.migrations import upgrade

    url = f"sqlite:///{small_disk}/app.db"
    upgrade(url)
    return url


@pytest.fixture
def ballast(small_disk: Path) -> Iterator[Path]:
    path = small_disk / "ballast"
    yield path
    path.unlink(missing_ok=True)


def fill(path: Path, leave_bytes: int) -> None:
    """Take all the disk's free space but about `leave_bytes`."""
    chunk = b"\0" * 65536
    with open(path, "ab", buffering=0) as f:
        try:
            while True:
                f.write(chunk)
        except OSError:
            pass
        f.truncate(max(0, f.tell() - leave_bytes))


def test_a_full_disk_stops_the_send_with_the_reason_and_it_carries_on_when_space_returns(
    small_disk, ballast, stack, app_env, emulator, workers, engine
):
    stack["DATA_DIR"] = str(small_disk / "data")
    workers.env["DATA_DIR"] = stack["DATA_DIR"]
    workers.env["HUEY_NAME"] = f"disk-{uuid.uuid4().hex[:6]}"
    add_contacts(engine, RECIPIENTS, prefix="full")
    campaign_id = make_campaign(engine, Channel.EMAIL)
    workers.env["RESEND_REQUESTS_PER_SECOND"] = "4"
    workers.start(1, threads=2)
    start(engine, Channel.EMAIL, campaign_id)
    deadline = time.monotonic() + 60
    while progress(engine, campaign_id)[1] < 100:
        assert time.monotonic() < deadline, "the campaign did not start sending"
        time.sleep(0.1)
    fill(ballast, leave_bytes=64 * 1024)  # the disk is full: SQLite refuses every write that grows it

    time.sleep(15)  # the worker meets the full disk, again and again
    status, sent, failed, reasons = progress(engine, campaign_id)
    assert (status, failed) == ("sending", 0), "the full disk failed recipients the provider never refused"
    assert sent < RECIPIENTS, "the campaign finished before the disk filled up"
    assert waiting.DISK_FULL in reasons, reasons
    assert reasons[waiting.DISK_FULL].startswith("The disk holding the database is full (")

    ballast.unlink()  # space returns
    assert wait_for_status(engine, EmailCampaign, campaign_id, {"sent", "failed"}, timeout=120) == "sent"
    assert_exactly_once(emulator, engine, Channel.EMAIL, campaign_id, RECIPIENTS)
    assert waiting.DISK_FULL not in progress(engine, campaign_id)[3]
    with engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA integrity_check")).scalar() == "ok"  # nothing half-written


def progress(engine: sa.Engine, campaign_id: int) -> tuple[str, int, int, dict[str, str]]:
    """What the campaign page reads: status, sent, failed and the reasons it gives."""
    with Session(engine) as session:
        c = session.get(EmailCampaign, campaign_id)
        found = waiting.progress(session=session, settings=get_settings(), channel="email", campaign_id=campaign_id)
        return c.status, c.sent, c.failed, {r.kind: r.message for r in found.reasons}
