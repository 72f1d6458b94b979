"""The one Huey instance: SqliteHuey next to the database by default, RedisHuey with REDIS_URL."""

from __future__ import annotations

import os

from huey import RedisHuey, SqliteHuey

from campaign_dashboard.config import get_settings


def make_huey():
    settings = get_settings()
    name = os.environ.get("HUEY_NAME", "campaign_dashboard")
    if settings.redis_url:
        return RedisHuey(name, url=settings.redis_url, utc=True)
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    return SqliteHuey(name, filename=str(settings.data_dir / "queue.db"), utc=True, timeout=30)


huey = make_huey()
