"""Liveness plus a database round trip, for load balancers and `make run`'s wait loop."""

from __future__ import annotations

from fastapi import APIRouter
from sqlalchemy import text

from campaign_dashboard import __version__
from campaign_dashboard.api.deps import SessionDep

router = APIRouter(tags=["health"])


@router.get("/api/health")
def health(session: SessionDep) -> dict:
    session.execute(text("SELECT 1"))
    return {"status": "ok", "version": __version__, "database": session.get_bind().dialect.name}
