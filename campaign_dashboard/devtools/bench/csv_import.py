"""`campaign-dashboard bench import`: the contact CSV import's peak memory and time.

Writes a CSV of N new contacts (email, first and last name, two tags, an attribute) to a temp
dir, imports it into a fresh database with the default limits, and prints the process's peak
RSS before and after the import (Linux `ru_maxrss`), so a flat import shows the same peak for
10,000 rows as for 1,000,000.
"""

from __future__ import annotations

import os
import resource
import tempfile
import time
from pathlib import Path

from campaign_dashboard.devtools.bench.database import fresh_database


def _peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # KiB on Linux


def write_csv(path: Path, rows: int) -> int:
    """N distinct contacts, written line by line; returns the file's size in bytes."""
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("email,first_name,last_name,tags,plan\n")
        for i in range(rows):
            out.write(f"p{i:07d}@example.com,Ann{i % 97},Lee,vip;t{i % 5},{('free', 'pro')[i % 2]}\n")
    return path.stat().st_size


def run(*, rows: int, database_url: str | None) -> dict:
    """Import a generated CSV of `rows` contacts into a fresh database; what it cost."""
    from sqlmodel import Session, func, select

    from campaign_dashboard.db import make_engine
    from campaign_dashboard.models import Contact
    from campaign_dashboard.services.audience.consent import ConsentSource, SourceKind
    from campaign_dashboard.services.audience.csv_import import import_contacts_csv

    with tempfile.TemporaryDirectory(prefix="cd-bench-import-") as tmp:
        data_dir = Path(tmp)
        path = data_dir / "contacts.csv"
        size = write_csv(path, rows)
        with fresh_database(server_url=database_url, data_dir=data_dir, prefix="cd_bench_import") as url:
            engine = make_engine(url)
            before = _peak_rss_mb()
            started, cpu = time.monotonic(), time.process_time()
            with Session(engine, expire_on_commit=False) as session, path.open("rb") as source:
                consent = ConsentSource(SourceKind.CSV_IMPORT, detail=f"{path.name}, by the import benchmark")
                result = import_contacts_csv(session=session, data=source, source=consent)
            elapsed, cpu = time.monotonic() - started, time.process_time() - cpu
            after = _peak_rss_mb()
            with Session(engine) as session:
                stored = session.scalar(select(func.count()).select_from(Contact))
            engine.dispose()
    return {
        "rows": rows,
        "file_mb": round(size / 1e6, 1),
        "imported": result.imported,
        "rejected": result.rejected,
        "stored": stored,
        "seconds": round(elapsed, 1),
        "cpu_seconds": round(cpu, 1),
        "rows_per_second": round(rows / elapsed),
        "peak_rss_mb_before": round(before, 1),
        "peak_rss_mb_after": round(after, 1),
        "load_average": os.getloadavg(),
        "database": "postgresql" if database_url else "sqlite",
    }
