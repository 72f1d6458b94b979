"""The audit log records every successful API write with the token as actor, and admins read it."""

from __future__ import annotations

from sqlmodel import select

from campaign_dashboard.models import ApiToken, AuditEntry
from campaign_dashboard.services.accounts.tokens import hash_token
from tests.factories import make_contact, make_segment
from tests.helpers.api import assert_error

URL = "/api/v1/email-campaigns"


def entries(db) -> list[AuditEntry]:
    with db() as session:
        return list(session.exec(select(AuditEntry).order_by(AuditEntry.id)).all())


def token_id(db, token: str) -> int:
    with db() as session:
        return session.exec(select(ApiToken.id).where(ApiToken.token_hash == hash_token(token))).one()


def test_create_start_pause_cancel_are_recorded_with_the_token_as_actor(client, db, marketer_token, marketer_headers):
    with db() as session:
        segment = make_segment(session)
        make_contact(session)
    body = {
        "name": "Spring",
        "subject": "Hi",
        "from_email": "news@example.com",
        "segment_id": segment.id,
        "html": "<p>Hi <a href='{{ unsubscribe_url }}'>unsubscribe</a></p>",
    }
    cid = client.post(URL, json=body, headers=marketer_headers).json()["id"]
    for action in ("start", "pause", "cancel"):
        assert client.post(f"{URL}/{cid}/{action}", headers=marketer_headers).status_code == 200

    log = entries(db)
    assert [(e.action, e.object_type, e.object_id) for e in log] == [
        ("email_campaign.create", "email_campaign", str(cid)),
        ("email_campaign.start", "email_campaign", str(cid)),
        ("email_campaign.pause", "email_campaign", str(cid)),
        ("email_campaign.cancel", "email_campaign", str(cid)),
    ]
    actor = token_id(db, marketer_token)
    assert {(e.actor_token_id, e.actor_user_id) for e in log} == {(actor, None)}
    assert all(e.actor_label.startswith("token test marketer") for e in log)
    assert {e.client_address for e in log} == {"testclient"}
    assert log[1].detail == {"method": "POST", "path": f"{URL}/{cid}/start"}
    assert all(e.at is not None for e in log)


def test_refused_writes_and_reads_are_not_recorded(client, db, viewer_headers, marketer_headers):
    with db() as session:
        segment = make_segment(session)
    assert_error(client.post(f"{URL}/1/start"), 401, "unauthorized")
    assert_error(client.post(f"{URL}/1/start", headers=viewer_headers), 403, "forbidden")
    assert_error(client.post(f"{URL}/999999/pause", headers=marketer_headers), 404, "not_found")
    client.get(URL, headers=marketer_headers)
    client.post("/api/v1/segments/preview-count", json={"rules": []}, headers=marketer_headers)
    assert entries(db) == []
    assert (
        client.patch(f"/api/v1/segments/{segment.id}", json={"name": "Renamed"}, headers=marketer_headers).status_code
        == 200
    )
    assert [(e.action, e.object_id) for e in entries(db)] == [("segment.update", str(segment.id))]


def test_contacts_import_and_delete_are_recorded(client, db, marketer_headers):
    files = {"file": ("people.csv", b"email\nada@example.com\n", "text/csv")}
    assert client.post("/api/v1/contacts/import", files=files, headers=marketer_headers).status_code == 200
    contact_id = client.get("/api/v1/contacts", headers=marketer_headers).json()["items"][0]["id"]
    assert client.delete(f"/api/v1/contacts/{contact_id}", headers=marketer_headers).status_code == 204
    assert [(e.action, e.object_type, e.object_id) for e in entries(db)] == [
        ("contacts.import", "contacts", None),
        ("contact.delete", "contact", str(contact_id)),
    ]


def test_admins_list_and_filter_the_log_newest_first(client, db, admin_headers, marketer_headers, viewer_headers):
    with db() as session:
        segments = [make_segment(session).id for _ in range(3)]
    for sid in segments:
        client.patch(f"/api/v1/segments/{sid}", json={"name": f"S{sid}"}, headers=marketer_headers)
    client.post("/api/v1/contacts", json={"email": "x@example.com"}, headers=admin_headers)

    page = client.get("/api/v1/audit-log", params={"limit": 2}, headers=admin_headers).json()
    assert [e["action"] for e in page["items"]] == ["contact.create", "segment.update"]
    rest = client.get("/api/v1/audit-log", params={"cursor": page["next_cursor"]}, headers=admin_headers).json()
    assert [e["object_id"] for e in rest["items"]] == [str(segments[1]), str(segments[0])]
    assert rest["next_cursor"] is None

    only = client.get(
        "/api/v1/audit-log", params={"action": "segment", "object_id": str(segments[0])}, headers=admin_headers
    ).json()["items"]
    assert [(e["action"], e["object_id"]) for e in only] == [("segment.update", str(segments[0]))]
    by_admin = client.get("/api/v1/audit-log", params={"actor": "admin"}, headers=admin_headers).json()["items"]
    assert [e["action"] for e in by_admin] == ["contact.create"]
    future = client.get("/api/v1/audit-log", params={"since": "2099-01-01T00:00:00"}, headers=admin_headers)
    assert future.json()["items"] == []

    assert_error(client.get("/api/v1/audit-log", headers=marketer_headers), 403, "forbidden")
    assert_error(client.get("/api/v1/audit-log", headers=viewer_headers), 403, "forbidden")
    assert_error(
        client.get(
            "/api/v1/audit-log",
            params={"since": "2030-01-02T00:00:00Z", "until": "2030-01-01T00:00:00Z"},
            headers=admin_headers,
        ),
        422,
        "validation_failed",
    )


def test_an_api_export_route_is_recorded_as_an_export(engine, db, marketer_token, marketer_headers):
    """Any `GET /api/v1/<collection>/export` is logged: a bulk export route added later is covered."""
    from fastapi import FastAPI
    from fastapi.responses import PlainTextResponse
    from fastapi.testclient import TestClient

    from campaign_dashboard.api.audit import install_audit

    app = FastAPI()

    @app.get("/api/v1/contacts/export")
    def export() -> PlainTextResponse:
        return PlainTextResponse("email\nada@example.com\n", media_type="text/csv")

    @app.get("/api/v1/contacts")
    def read() -> list:
        return []

    install_audit(app)
    with TestClient(app) as client:
        assert client.get("/api/v1/contacts/export", headers=marketer_headers).text == "email\nada@example.com\n"
        client.get("/api/v1/contacts", headers=marketer_headers)

    assert [(e.action, e.object_type, e.actor_token_id) for e in entries(db)] == [
        ("contacts.export", "contacts", token_id(db, marketer_token))
    ]
