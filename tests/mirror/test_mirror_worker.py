"""The whole loop with real processes: segments changed through the REST API (or behind its back)
reach Resend through a real `campaign-dashboard worker` and the emulator, on SQLite + SqliteHuey
and PostgreSQL + RedisHuey."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import resend
from fastapi.testclient import TestClient
from resend.exceptions import ResendError
from sqlmodel import Session

from campaign_dashboard.api import create_api
from campaign_dashboard.config import EMULATOR_RESEND_KEY, get_settings
from campaign_dashboard.models import Segment
from campaign_dashboard.services.accounts.tokens import create_token
from campaign_dashboard.services.audience import contacts, segments
from campaign_dashboard.services.audience.contacts import ContactCreate
from campaign_dashboard.services.audience.segments import SegmentCreate
from tests.helpers.consent import MARKETER

from .conftest import remote_members


@pytest.fixture
def mirroring_on(stack: dict, monkeypatch: pytest.MonkeyPatch) -> None:
    """Mirror to the emulator, in the workers and in this process (the API queues the syncs)."""
    stack["RESEND_MIRROR_SEGMENTS"] = "true"
    monkeypatch.setenv("RESEND_MIRROR_SEGMENTS", "true")
    get_settings.cache_clear()


def wait_until(check: Callable[[], bool], what: str, timeout: float = 45) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting until {what}")
        time.sleep(0.25)


def test_the_worker_keeps_resend_in_step_with_segment_changes(mirroring_on, workers, engine, emulator, sdk):
    resend.api_key, resend.api_url = EMULATOR_RESEND_KEY, emulator  # to read the remote side back
    with Session(engine, expire_on_commit=False) as session:
        ann, bob, cat = (
            contacts.create_contact(
                session=session,
                data=ContactCreate(email=f"{n}@example.com", first_name=n.title(), tags=["vip"] if n == "ann" else []),
                source=MARKETER,
            )
            for n in ("ann", "bob", "cat")
        )
        _, token = create_token(session=session, name="mirror test", role="admin")
    headers = {"Authorization": f"Bearer {token}"}

    def remote_id(segment_id: int) -> str | None:
        with Session(engine) as session:
            return session.get(Segment, segment_id).resend_segment_id

    def remote_is(segment_id: int, emails: set[str]) -> Callable[[], bool]:
        return lambda: remote_id(segment_id) is not None and set(remote_members(remote_id(segment_id))) == emails

    workers.start(1, threads=2)
    with TestClient(create_api()) as api:
        created = api.post(
            "/api/v1/segments",
            headers=headers,
            json={"name": "Hand picked", "kind": "static", "contact_ids": [ann.id, bob.id]},
        )
        assert created.status_code == 201, created.text
        picked = created.json()["id"]
        wait_until(remote_is(picked, {"ann@example.com", "bob@example.com"}), "the new segment is mirrored")

        changed = api.patch(f"/api/v1/segments/{picked}", headers=headers, json={"contact_ids": [bob.id, cat.id]})
        assert changed.status_code == 200, changed.text
        wait_until(remote_is(picked, {"bob@example.com", "cat@example.com"}), "the change is mirrored")
        shown = api.get(f"/api/v1/segments/{picked}", headers=headers).json()
        assert shown["resend_segment_id"] == remote_id(picked) and shown["resend_sync_error"] is None

        # Made without the API (CLI, seed): nothing queued it, the worker's tick finds it.
        with Session(engine) as session:
            vip = segments.create_segment(
                session=session, data=SegmentCreate(name="VIP", rules=[{"field": "tag", "op": "is", "value": "vip"}])
            ).id
        wait_until(remote_is(vip, {"ann@example.com"}), "the tick mirrors a segment nobody queued")

        doomed = remote_id(picked)
        assert api.delete(f"/api/v1/segments/{picked}", headers=headers).status_code == 204

        def deleted_remotely() -> bool:
            try:
                resend.Segments.get(doomed)
            except ResendError as exc:
                return str(exc.code) == "404"
            return False

        wait_until(deleted_remotely, "the deleted segment is deleted in Resend")
    assert resend.Segments.get(remote_id(vip))["name"] == "VIP"
