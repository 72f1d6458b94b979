"""Shared fixtures: every database test runs on SQLite and on the machine's PostgreSQL.

PostgreSQL gets a fresh database per test process (so xdist workers never collide); tests are
isolated by emptying every table after each test. Where PostgreSQL is not reachable those tests
skip with the reason.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
import sqlalchemy as sa
from sqlmodel import Session, SQLModel

from tests.helpers.databases import new_postgres_database, postgres_unavailable_reason

# Fixtures more than one folder uses, defined once (see tests/README.md).
pytest_plugins = [
    "tests.fixtures.api",
    "tests.fixtures.browser",
    "tests.fixtures.emulator",
    "tests.fixtures.stack",
    "tests.fixtures.webhooks",
]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Tests marked `slow` (minutes of faults, outages, soaks) run first: the parallel workers
    then fit the short tests around them, instead of one worker finishing a long test alone
    while the other has nothing left. Otherwise the order is unchanged."""
    items.sort(key=lambda item: item.get_closest_marker("slow") is None)


@pytest.fixture(scope="session", autouse=True)
def _isolated_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Point every settings read at a throwaway data dir, never at the developer's ./data."""
    data_dir = tmp_path_factory.mktemp("data")
    os.environ["DATA_DIR"] = str(data_dir)
    os.environ["ENV"] = "test"
    os.environ.setdefault("DATABASE_URL", f"sqlite:///{data_dir}/default.db")
    from campaign_dashboard.config import get_settings

    get_settings.cache_clear()
    yield


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    from campaign_dashboard.migrations import upgrade

    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite')}/test.db"
    upgrade(url)
    return url


@pytest.fixture(scope="session")
def postgresql_url(worker_id: str) -> Iterator[str]:
    reason = postgres_unavailable_reason()
    if reason:
        pytest.skip(reason)
    from campaign_dashboard.migrations import upgrade

    with new_postgres_database(f"cd_test_{worker_id}") as url:
        upgrade(url)
        yield url


@pytest.fixture(scope="session")
def worker_id(request: pytest.FixtureRequest) -> str:
    return getattr(request.config, "workerinput", {}).get("workerid", "main")


@pytest.fixture(params=["sqlite", "postgresql"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Parametrizes a test over both databases."""
    return request.getfixturevalue(f"{request.param}_url")


@pytest.fixture
def engine(database_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[sa.Engine]:
    """An engine on a migrated, empty database, also installed as the app's default engine."""
    from campaign_dashboard import db
    from campaign_dashboard.config import get_settings

    monkeypatch.setenv("DATABASE_URL", database_url)
    get_settings.cache_clear()
    db.get_engine.cache_clear()
    engine = db.get_engine()
    yield engine
    _empty_all_tables(engine)
    engine.dispose()
    db.get_engine.cache_clear()
    get_settings.cache_clear()


@pytest.fixture
def frequency_cap(monkeypatch: pytest.MonkeyPatch) -> Iterator[Callable[[int, int], None]]:
    """`frequency_cap(messages, days)`: the workspace's frequency cap for this test."""
    from campaign_dashboard.config import get_settings

    def cap(messages: int, days: int) -> None:
        monkeypatch.setenv("FREQUENCY_CAP_MESSAGES", str(messages))
        monkeypatch.setenv("FREQUENCY_CAP_DAYS", str(days))
        get_settings.cache_clear()

    yield cap
    get_settings.cache_clear()


@pytest.fixture
def session(engine: sa.Engine) -> Iterator[Session]:
    with Session(engine, expire_on_commit=False) as session:
        yield session


def _empty_all_tables(engine: sa.Engine) -> None:
    """DELETE, children first, and ids start again at 1. Not PostgreSQL's TRUNCATE: it gives every
    table and index a new file, 0.3 s per test with the search indexes, where a test's few rows
    are deleted in milliseconds."""
    tables = [t for t in reversed(SQLModel.metadata.sorted_tables)]
    with engine.begin() as conn:
        for table in tables:
            conn.execute(table.delete())
        if conn.dialect.name == "postgresql":
            conn.exec_driver_sql(
                "SELECT setval(c.oid, 1, false) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                " WHERE c.relkind = 'S' AND n.nspname = current_schema()"
            )
