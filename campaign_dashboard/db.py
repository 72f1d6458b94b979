"""Engine and sessions. SQLite gets WAL and a busy timeout so web, worker and CLI can share it."""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.pool import QueuePool
from sqlmodel import Session, create_engine

from campaign_dashboard.config import get_settings


def make_engine(url: str) -> Engine:
    """Create an engine for `url`; SQLite is tuned for several processes writing."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        if parsed.database and parsed.database != ":memory:" and not parsed.database.startswith("file:"):
            private_file(Path(parsed.database))
        # One connection per process: every transaction takes the write lock (BEGIN IMMEDIATE),
        # so a second connection would only wait inside SQLite's busy handler, which sleeps and
        # polls (up to 100 ms a turn). Threads queue for the pooled connection instead and are
        # woken the moment it is returned; other processes still wait on the busy timeout.
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            poolclass=QueuePool,
            pool_size=1,
            max_overflow=0,
            pool_timeout=30,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin_immediate)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.drivername == "postgresql":
        url = parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    dbapi_connection.isolation_level = None  # let SQLAlchemy's "begin" event issue BEGIN itself
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_begin_immediate(connection) -> None:
    """Take the write lock up front: a deferred transaction that later writes can fail with
    "database is locked" instead of waiting, which would lose work under several processes."""
    connection.exec_driver_sql("BEGIN IMMEDIATE")


def private_dir(path: Path) -> None:
    """Create `path` readable by its owner only (0700), or tighten it: it holds the secret key,
    the SQLite database and the queue."""
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    _tighten(path, 0o700)


def private_file(path: Path) -> None:
    """Create the SQLite file 0600 before SQLite does (it would use the umask, usually 0644);
    SQLite gives its -wal and -shm files the database file's mode."""
    private_dir(path.parent)
    if not path.exists():
        os.close(os.open(path, os.O_CREAT | os.O_WRONLY, 0o600))
    _tighten(path, 0o600)


def _tighten(path: Path, mode: int) -> None:
    try:
        if path.stat().st_mode & 0o777 & ~mode:
            path.chmod(mode)
    except PermissionError:  # not ours (a shared mount): leave it to its owner
        pass


@lru_cache
def get_engine() -> Engine:
    settings = get_settings()
    private_dir(settings.data_dir)
    return make_engine(settings.database_url)


@contextmanager
def session_scope(engine: Engine | None = None) -> Iterator[Session]:
    """A session that commits on success and rolls back on any error: nothing half-written."""
    with Session(engine or get_engine(), expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
