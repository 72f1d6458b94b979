"""Attacker fixtures (the API client with one token per role is `tests.fixtures.api`): the real Reflex backend (no
frontend build) on a free port, with a database holding data no anonymous visitor may see, one
account per role, and a socket.io client that talks to `/_event` as a browser tab does (or as an
attacker's script would)."""

from __future__ import annotations

import itertools
import os
import signal
import subprocess
import sys
import threading
import time
import uuid
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
import socketio
import sqlalchemy as sa
from sqlmodel import Session

from campaign_dashboard.cli import ROOT
from campaign_dashboard.devtools.bench.processes import free_port
from campaign_dashboard.models import Role
from campaign_dashboard.services.accounts import users
from campaign_dashboard.services.campaigns import templates
from tests.factories import make_contact, make_email_campaign, make_segment
from tests.helpers.processes import healthy
from tests.helpers.security import PASSWORD, SECRETS, Backend

START_TIMEOUT = 180


def _arrange(database_url: str) -> dict[str, int]:
    from campaign_dashboard.migrations import upgrade

    upgrade(database_url)
    engine = sa.create_engine(database_url)
    with Session(engine, expire_on_commit=False) as session:
        ids = {}
        for role in Role:
            user = users.create_user(
                session=session,
                email=f"{role.value}@guard.example",
                name=f"Guard {role.value}",
                password=PASSWORD,
                role=role,
            )
            ids[f"{role.value}_id"] = user.id
        # An admin whose password was reset: may sign in, but must choose a new password first.
        reset = users.create_user(
            session=session, email="reset@guard.example", name="Guard reset", password=PASSWORD, role=Role.ADMIN
        )
        reset.must_change_password = True
        session.add(reset)
        session.commit()
        contact = make_contact(
            session,
            email=SECRETS["contact_email"],
            first_name=SECRETS["contact_name"],
            tags=["vip"],
            attributes={"plan": "gold"},
        )
        make_contact(session, tags=["vip"])
        segment = make_segment(
            session, name=SECRETS["segment_name"], rules=[{"field": "tag", "op": "is", "value": "vip"}]
        )
        template = templates.create_template(
            session=session,
            data={
                "name": "Confidential template",
                "subject": SECRETS["template_subject"],
                "html": f"<p>{SECRETS['template_html']} {{{{ first_name }}}}</p>",
            },
        )
        campaign = make_email_campaign(session, name=SECRETS["campaign_name"], segment_id=segment.id)
        ids.update(contact_id=contact.id, segment_id=segment.id, template_id=template.id, campaign_id=campaign.id)
    engine.dispose()
    return ids


@pytest.fixture(scope="session")
def backend(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Backend]:
    """`uvicorn --factory campaign_dashboard.campaign_dashboard:app`, exactly what `reflex run --env
    prod` serves as the backend, without compiling a frontend (REFLEX_SKIP_COMPILE)."""
    data = tmp_path_factory.mktemp("guard")
    database_url = f"sqlite:///{data}/app.db"
    ids = _arrange(database_url)
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    env = {k: v for k, v in os.environ.items() if k not in ("REDIS_URL", "REFLEX_REDIS_URL")}
    env.update(
        DATA_DIR=str(data),
        DATABASE_URL=database_url,
        ENV="test",
        REFLEX_SKIP_COMPILE="true",
        REFLEX_ENV_MODE="prod",
        REFLEX_DIR=env.get("REFLEX_DIR") or str(ROOT / ".reflex"),
        REFLEX_USE_SYSTEM_BUN="1",
        PYTHONUNBUFFERED="1",
        PUBLIC_BASE_URL=url,  # the allowed origin
        PATH=os.pathsep.join([str(ROOT / ".tools" / "node_modules" / ".bin"), env.get("PATH", "")]),
    )
    log_path = data / "backend.log"
    with open(log_path, "w") as log:
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "--factory",
                "campaign_dashboard.campaign_dashboard:app",
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
            ],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while not healthy(url + "/api/health"):
            if proc.poll() is not None:
                pytest.fail(f"the backend exited with {proc.returncode}:\n{log_path.read_text()[-4000:]}")
            if time.monotonic() > deadline:
                pytest.fail(f"the backend did not start in {START_TIMEOUT} s:\n{log_path.read_text()[-4000:]}")
            time.sleep(0.3)
        found = Backend(url=url, database_url=database_url, log_path=log_path, ids=ids)
        for role in Role:
            found.cookies[role.value] = login_cookie(url, f"{role.value}@guard.example", PASSWORD)
        found.cookies["reset"] = login_cookie(url, "reset@guard.example", PASSWORD, to="/account?next=%2F")
        yield found
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()


def login_cookie(url: str, email: str, password: str, to: str = "/") -> str:
    """Log in through the login route as the login page's form does: the session cookie it sets."""
    response = httpx.post(
        f"{url}/api/session/login", data={"email": email, "password": password, "next": "/"}, follow_redirects=False
    )
    assert response.status_code == 303 and response.headers["location"] == to, response.text
    value = response.cookies.get("cd_session")
    assert value, response.headers
    return f"cd_session={value}"


class EventClient:
    """One browser tab's websocket: fire events by name and collect everything sent back.

    Events of one tab run in order, so after each event a marker event (the root state's
    `set_is_hydrated`, flipped) is sent: everything received before the marker's answer is the
    answer to the event."""

    def __init__(self, url: str, cookie: str | None = None) -> None:
        self.token = str(uuid.uuid4())
        self.updates: list[dict] = []
        self._lock = threading.Condition()
        self._flip = itertools.count()
        self.sio = socketio.Client(reconnection=False)
        self.sio.on("event", self._received, namespace="/_event")
        headers = {"Cookie": cookie} if cookie else {}
        self.sio.connect(
            f"{url}?token={self.token}",
            headers=headers,
            transports=["websocket"],
            socketio_path="/_event",
            namespaces=["/_event"],
            wait_timeout=10,
        )

    def _received(self, update: Any) -> None:
        with self._lock:
            self.updates.append(update)
            self._lock.notify_all()

    def fire(self, name: str, payload: dict | None = None, path: str = "/") -> list[dict]:
        """Send event `name` (a full handler name) from page `path`; its answer, as updates."""
        with self._lock:
            start = len(self.updates)
        router_data = {"pathname": path, "query": {}, "asPath": path}
        self.sio.emit(
            "event", {"name": name, "payload": payload or {}, "router_data": router_data}, namespace="/_event"
        )
        value = next(self._flip) % 2 == 0
        self.sio.emit(
            "event",
            {
                "name": "reflex___state____state.set_is_hydrated",
                "payload": {"value": value},
                "router_data": router_data,
            },
            namespace="/_event",
        )
        deadline = time.monotonic() + 20
        with self._lock:
            while not any(_marks(u, value) for u in self.updates[start:]):
                if not self._lock.wait(timeout=max(0.0, deadline - time.monotonic())):
                    raise TimeoutError(f"no answer to {name}")
            return self.updates[start:]

    def close(self) -> None:
        self.sio.disconnect()


def _marks(update: dict, value: bool) -> bool:
    root = (update.get("delta") or {}).get("reflex___state____state") or {}
    return root.get("is_hydrated_rx_state_") is value


@pytest.fixture
def tab(backend: Backend):
    """`tab(role)`: a new websocket with that role's session cookie (`tab(None)`: no session)."""
    opened: list[EventClient] = []

    def open_tab(role: str | None) -> EventClient:
        websocket = EventClient(backend.url, backend.cookies[role] if role else None)
        opened.append(websocket)
        return websocket

    yield open_tab
    for each in opened:
        each.close()
