"""GDPR over the API: admins export a contact's data and erase it (typed confirmation), both in
the audit log; an erased address added again stays unsubscribed."""

from __future__ import annotations

from sqlmodel import col, select

from campaign_dashboard.models import AuditEntry
from tests.helpers.api import assert_error

URL = "/api/v1/contacts"


def test_an_admin_exports_then_erases_a_contact(client, db, admin_headers, marketer_headers):
    contact = client.post(URL, json={"email": "ada@example.com", "first_name": "Ada"}, headers=marketer_headers).json()
    path = f"{URL}/{contact['id']}"

    exported = client.get(f"{path}/export", headers=admin_headers)
    assert exported.status_code == 200
    assert "attachment" in exported.headers["content-disposition"]
    data = exported.json()
    assert data["contact"]["first_name"] == "Ada"
    assert [(e["channel"], e["event"]) for e in data["consent"]] == [("email", "opted_in")]

    error = assert_error(
        client.post(f"{path}/erase", json={"confirm": "someone@example.com"}, headers=admin_headers),
        422,
        "validation_failed",
    )
    assert error["details"][0]["field"] == "confirm"
    erased = client.post(f"{path}/erase", json={"confirm": "ADA@example.com"}, headers=admin_headers)
    assert erased.status_code == 200 and erased.json()["channels"] == ["email"]
    assert client.get(path, headers=admin_headers).status_code == 404

    with db() as session:
        actions = session.exec(select(AuditEntry.action, AuditEntry.object_id).order_by(col(AuditEntry.id))).all()
    assert ("contact.export", str(contact["id"])) in actions
    assert ("contact.erase", str(contact["id"])) in actions

    again = client.post(URL, json={"email": "ada@example.com"}, headers=marketer_headers).json()
    assert again["email_status"] == "unsubscribed"
    body = client.post(
        f"{URL}/import", files={"file": ("list.csv", b"email\nada@example.com\n")}, headers=marketer_headers
    ).json()
    assert (body["updated"], body["kept_unsubscribed"]) == (1, 1)


def test_only_admins_and_only_known_contacts(client, admin_headers, marketer_headers):
    contact = client.post(URL, json={"email": "bob@example.com"}, headers=marketer_headers).json()
    path = f"{URL}/{contact['id']}"
    assert client.get(f"{path}/export", headers=marketer_headers).status_code == 403
    assert (
        client.post(f"{path}/erase", json={"confirm": "bob@example.com"}, headers=marketer_headers).status_code == 403
    )
    assert_error(client.get(f"{URL}/999999/export", headers=admin_headers), 404, "not_found")
    assert_error(client.post(f"{URL}/999999/erase", json={"confirm": "x"}, headers=admin_headers), 404, "not_found")
    missing = assert_error(client.post(f"{path}/erase", json={}, headers=admin_headers), 422, "validation_failed")
    assert "confirm" in str(missing["details"])
