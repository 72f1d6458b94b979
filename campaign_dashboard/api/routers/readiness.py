"""`GET /api/ready`: is the whole system able to do its work, not only this process?

Liveness (`/api/health`) says the web process answers; readiness adds what campaigns need to
move: the database, Redis when configured, the schema at the code's migration head, and a worker
seen recently. Monitoring alerts on it; a load balancer should route on `/api/health`, since a
missing worker is no reason to stop serving the dashboard.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from sqlalchemy import text
from sqlmodel import Session

from campaign_dashboard.config import get_settings
from campaign_dashboard.db import get_engine
from campaign_dashboard.migrations import current_revisions, head_revisions
from campaign_dashboard.services.operations import workers

router = APIRouter(tags=["health"])


class Check(BaseModel):
    ok: bool
    detail: str


class Readiness(BaseModel):
    status: Literal["ready", "not_ready"]
    checks: dict[str, Check]


@router.get("/api/ready", response_model=Readiness, responses={503: {"model": Readiness}})
def ready() -> JSONResponse:
    checks = {"database": _database()}
    if checks["database"].ok:
        checks["migrations"] = _migrations()
        checks["worker"] = _worker()
    if redis_url := get_settings().redis_url:
        checks["redis"] = _redis(redis_url)
    body = Readiness(status="ready" if all(c.ok for c in checks.values()) else "not_ready", checks=checks)
    return JSONResponse(body.model_dump(), status_code=200 if body.status == "ready" else 503)


def _database() -> Check:
    try:
        with get_engine().connect() as conn:
            conn.execute(text("SELECT 1"))
    except Exception as exc:  # noqa: BLE001 - any failure means "not reachable"
        return Check(ok=False, detail=f"unreachable: {exc.__class__.__name__}")
    return Check(ok=True, detail=get_engine().dialect.name)


def _migrations() -> Check:
    try:
        with get_engine().connect() as conn:
            current = current_revisions(conn)
    except Exception as exc:  # noqa: BLE001
        return Check(ok=False, detail=f"cannot read the schema version: {exc.__class__.__name__}")
    heads = head_revisions()
    if current != heads:
        return Check(
            ok=False,
            detail=f"database at {sorted(current) or 'nothing'}, code expects {sorted(heads)}: "
            "run `campaign-dashboard migrate`",
        )
    return Check(ok=True, detail=f"at {', '.join(sorted(heads))}")


def _worker() -> Check:
    timeout = timedelta(seconds=get_settings().worker_heartbeat_timeout_seconds)
    try:
        with Session(get_engine()) as session:
            alive = workers.live_workers(session, timeout=timeout)
            seen = workers.last_seen(session) if not alive else None
    except Exception as exc:  # noqa: BLE001
        return Check(ok=False, detail=f"cannot read heartbeats: {exc.__class__.__name__}")
    if alive:
        return Check(ok=True, detail=f"{alive} worker(s) seen in the last {timeout.seconds} s")
    last = f"last seen {seen.isoformat()}" if seen else "never seen"
    return Check(
        ok=False,
        detail=f"no worker seen in the last {timeout.seconds} s ({last}): start one with `campaign-dashboard worker`",
    )


def _redis(url: str) -> Check:
    import redis

    try:
        redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2).ping()
    except Exception as exc:  # noqa: BLE001
        return Check(ok=False, detail=f"unreachable: {exc.__class__.__name__}")
    return Check(ok=True, detail="ping ok")
