"""Schemathesis fuzzes every REST operation in-process against `/api/openapi.json`.

Each operation gets a bounded number of generated requests (valid and invalid), sent as an
anonymous caller or with a viewer, marketer or admin token, against a small seeded SQLite
database. Every response must be a non-5xx that matches the schema the API documents for it.
`API_FUZZ_EXAMPLES` raises the number of examples per operation for a longer local run,
`API_FUZZ_RANDOM=1` explores with fresh random data, and `API_FUZZ_DATABASE_URL` runs it against
another empty database (e.g. a PostgreSQL one created for the purpose).
"""

from __future__ import annotations

import os
import threading
from collections.abc import Iterator

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance, status_code_conformance
from sqlmodel import Session

from campaign_dashboard.api import create_api
from campaign_dashboard.devtools.seed import seed_demo
from campaign_dashboard.models import Role, utcnow
from campaign_dashboard.services.accounts.tokens import create_token
from campaign_dashboard.services.operations import workers

EXAMPLES = int(os.environ.get("API_FUZZ_EXAMPLES", "25"))
RANDOM = os.environ.get("API_FUZZ_RANDOM") == "1"  # explore with fresh random data instead of the fixed run
ROLES = (Role.ADMIN.value, Role.MARKETER.value, Role.VIEWER.value, None)  # None: no token

app = create_api()
# The REST API and health; webhooks and the unsubscribe page have their own signed-request tests.
schema = schemathesis.openapi.from_asgi("/api/openapi.json", app).include(path_regex=r"^/api/")


@pytest.fixture(scope="module")
def tokens(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str | None, str]]:
    """A fresh migrated SQLite database with a little demo data, and one token per role."""
    from campaign_dashboard import db
    from campaign_dashboard.config import get_settings
    from campaign_dashboard.migrations import upgrade

    url = os.environ.get("API_FUZZ_DATABASE_URL") or f"sqlite:///{tmp_path_factory.mktemp('fuzz')}/fuzz.db"
    upgrade(url)
    saved = os.environ.get("DATABASE_URL")
    os.environ["DATABASE_URL"] = url
    get_settings.cache_clear()
    db.get_engine.cache_clear()
    engine = db.get_engine()
    with Session(engine) as session:
        seed_demo(session=session, contacts=40, create_admin=False)
    plain: dict[str | None, str] = {}
    for role in ROLES[:-1]:
        with Session(engine) as session:
            plain[role] = create_token(session=session, name=f"fuzz {role}", role=role)[1]
    stop = threading.Event()
    threading.Thread(target=_beat_like_a_worker, args=(engine, stop), daemon=True).start()
    yield plain
    stop.set()
    engine.dispose()
    if saved is None:
        os.environ.pop("DATABASE_URL", None)
    else:
        os.environ["DATABASE_URL"] = saved
    get_settings.cache_clear()
    db.get_engine.cache_clear()


def _beat_like_a_worker(engine, stop: threading.Event) -> None:
    """A worker's heartbeat while the fuzz runs, so /api/ready answers 200 (its 503 means "no
    worker", which tests/api/test_readiness.py covers) and only real server errors count."""
    started = utcnow()
    while not stop.is_set():
        with Session(engine) as session:
            workers.beat(session, worker_id="fuzz", hostname="fuzz", pid=0, started_at=started)
        stop.wait(2)


@schema.parametrize()
@schema.given(role=st.sampled_from(ROLES), existing_id=st.none() | st.integers(1, 45))
@settings(
    max_examples=EXAMPLES, deadline=None, database=None, derandomize=not RANDOM, suppress_health_check=list(HealthCheck)
)
def test_every_operation_answers_within_its_schema(case, role, existing_id, tokens) -> None:
    if existing_id is not None:  # often aim at seeded rows, so success answers are checked too
        for values in (case.path_parameters, case.body):
            if isinstance(values, dict):
                for name in values:
                    if name.endswith("_id"):
                        values[name] = existing_id
    headers = {"Authorization": f"Bearer {tokens[role]}"} if role else {}
    case.call_and_validate(
        headers=headers,
        checks=[not_a_server_error, status_code_conformance, response_schema_conformance],
    )
