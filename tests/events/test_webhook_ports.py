"""The app's wiring: the Resend webhook hands received emails to the queue it was given (the API
does not import the tasks), and the login throttle is built once per app, not once per POST."""

from __future__ import annotations

import json

from fastapi.testclient import TestClient
from sqlmodel import Session, select

from campaign_dashboard.api import create_api
from campaign_dashboard.api.routers import session as session_routes
from campaign_dashboard.models import FailedInboundEmail, InboundEmail, Role
from campaign_dashboard.services.accounts import users
from tests.events.conftest import BASE_URL, SessionAwareClient, resend_event, svix_headers


def test_a_received_email_goes_to_the_queue_the_app_was_given(engine, session, settings_env):
    queued = []
    with SessionAwareClient(
        create_api(received_email_queue=lambda payload, event_id: queued.append((payload, event_id))),
        base_url=BASE_URL,
    ) as client:
        client.test_session = session
        payload = resend_event("email.received", to=["reply+abcdefgh12@in.example.com"])
        body = json.dumps(payload)
        response = client.post("/webhooks/resend", content=body, headers=svix_headers(body, msg_id="msg_port_1"))
    assert (response.status_code, response.json()) == (200, {"status": "queued"})
    assert queued == [(payload, "msg_port_1")]
    assert session.exec(select(InboundEmail)).all() == session.exec(select(FailedInboundEmail)).all() == []


def test_the_login_throttle_is_built_once_per_app(engine, monkeypatch):
    with Session(engine) as db:
        users.create_user(session=db, email="ann@example.com", name="Ann", password="pw-long-enough-1", role=Role.ADMIN)
    built = []
    real = session_routes.make_rate_limiter

    def counting(**kwargs):
        built.append(kwargs)
        return real(**kwargs)

    monkeypatch.setattr(session_routes, "make_rate_limiter", counting)
    for _ in range(2):  # two apps, two logins each
        with TestClient(create_api(), base_url="http://dashboard.test") as client:
            for password in ("wrong-password-1", "pw-long-enough-1"):
                response = client.post(
                    "/api/session/login",
                    data={"email": "ann@example.com", "password": password},
                    follow_redirects=False,
                )
                assert response.status_code == 303
    assert len(built) == 2
