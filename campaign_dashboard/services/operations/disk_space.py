"""Free space where the embedded SQLite database lives.

With the disk full, SQLite refuses every write ("database or disk is full"): a worker can still
hand a chunk to the provider but cannot record it, so it tries again (same idempotency key, so
nothing goes out twice) until space returns, and nothing is lost or half-written. Changing the
campaign's status would be a write too, so instead the campaign page reads this and says why the
campaign is not moving. PostgreSQL keeps its own disk: None there.
"""

from __future__ import annotations

import os

from sqlalchemy.engine import make_url

LOW_SPACE_BYTES = 2 * 1024 * 1024  # below this SQLite cannot count on growing its file and its WAL


def sqlite_free_bytes(database_url: str) -> int | None:
    """Bytes free to an unprivileged writer on the SQLite file's disk; None for other databases
    (or an in-memory one, or a directory that cannot be read)."""
    url = make_url(database_url)
    if url.get_backend_name() != "sqlite" or not url.database or url.database == ":memory:":
        return None
    folder = os.path.dirname(os.path.abspath(url.database))
    try:
        stats = os.statvfs(folder)
    except OSError:
        return None
    return stats.f_bavail * stats.f_frsize


def disk_full(database_url: str) -> int | None:
    """The free bytes when the database's disk is (nearly) full, else None."""
    free = sqlite_free_bytes(database_url)
    return free if free is not None and free < LOW_SPACE_BYTES else None
