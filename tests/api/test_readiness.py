"""`/api/ready` names what keeps campaigns from moving: database, schema, Redis, a worker."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from campaign_dashboard import db as db_module
from campaign_dashboard.config import get_settings
from campaign_dashboard.models import utcnow
from campaign_dashboard.services.operations import workers


def _beat(db, age: timedelta = timedelta(seconds=1)) -> None:
    with db() as session:
        now = utcnow() - age
        workers.beat(session, worker_id="w1", hostname="h", pid=1, started_at=now, now=now)


def test_ready_when_database_schema_and_a_worker_are_there(client, db):
    _beat(db)
    response = client.get("/api/ready")
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["status"] == "ready"
    assert {name for name, check in body["checks"].items() if check["ok"]} >= {"database", "migrations", "worker"}


def test_no_worker_seen_is_not_ready_and_says_how_to_start_one(client):
    response = client.get("/api/ready")
    assert response.status_code == 503
    worker = response.json()["checks"]["worker"]
    assert worker["ok"] is False
    assert "never seen" in worker["detail"] and "campaign-dashboard worker" in worker["detail"]
    assert response.json()["checks"]["database"]["ok"] is True


def test_a_worker_silent_past_the_timeout_is_not_ready(client, db):
    _beat(db, age=timedelta(seconds=45))
    response = client.get("/api/ready")
    assert response.status_code == 503
    assert "last seen" in response.json()["checks"]["worker"]["detail"]


def test_a_database_behind_the_code_is_not_ready_and_says_migrate(client, db, engine):
    _beat(db)
    with engine.begin() as conn:
        (current,) = conn.execute(sa.text("SELECT version_num FROM alembic_version")).one()
        conn.execute(sa.text("UPDATE alembic_version SET version_num = '0001'"))
    try:
        response = client.get("/api/ready")
    finally:
        with engine.begin() as conn:
            conn.execute(sa.text("UPDATE alembic_version SET version_num = :v"), {"v": current})
    assert response.status_code == 503
    check = response.json()["checks"]["migrations"]
    assert check["ok"] is False and "campaign-dashboard migrate" in check["detail"]


@pytest.mark.parametrize("database_url", ["sqlite"], indirect=True)
def test_an_unreachable_redis_is_not_ready(client, db, monkeypatch):
    _beat(db)
    monkeypatch.setenv("REDIS_URL", "redis://127.0.0.1:1/0")
    get_settings.cache_clear()
    response = client.get("/api/ready")
    assert response.status_code == 503
    assert response.json()["checks"]["redis"]["ok"] is False


def test_an_unreachable_database_answers_503_not_500(monkeypatch):
    from fastapi.testclient import TestClient

    from campaign_dashboard.api import create_api

    monkeypatch.setenv("DATABASE_URL", "postgresql+psycopg://nobody@127.0.0.1:1/none?connect_timeout=2")
    get_settings.cache_clear()
    db_module.get_engine.cache_clear()
    try:
        with TestClient(create_api()) as client:
            response = client.get("/api/ready")
    finally:
        db_module.get_engine.cache_clear()
        get_settings.cache_clear()
    assert response.status_code == 503
    assert response.json()["checks"]["database"]["ok"] is False
