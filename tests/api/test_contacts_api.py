"""The contacts API as a script or the dashboard uses it: auth, CRUD, pages, import, opt-outs."""

from __future__ import annotations

import pytest
from sqlmodel import select

from campaign_dashboard.models import Contact, Suppression
from tests.helpers.api import assert_error

URL = "/api/v1/contacts"


def test_requests_without_a_valid_token_are_unauthorized(client):
    assert_error(client.get(URL), 401, "unauthorized")
    assert_error(client.get(URL, headers={"Authorization": "Bearer cdt_nope"}), 401, "unauthorized")
    assert_error(client.post(URL, json={"email": "a@example.com"}), 401, "unauthorized")


def test_a_viewer_can_read_but_not_write(client, viewer_headers, marketer_headers):
    created = client.post(URL, json={"email": "a@example.com"}, headers=marketer_headers).json()

    assert client.get(URL, headers=viewer_headers).status_code == 200
    assert client.get(f"{URL}/{created['id']}", headers=viewer_headers).status_code == 200
    for response in (
        client.post(URL, json={"email": "b@example.com"}, headers=viewer_headers),
        client.patch(f"{URL}/{created['id']}", json={"first_name": "X"}, headers=viewer_headers),
        client.delete(f"{URL}/{created['id']}", headers=viewer_headers),
        client.post(f"{URL}/{created['id']}/unsubscribe", json={"channel": "email"}, headers=viewer_headers),
        client.post(f"{URL}/import", files={"file": ("c.csv", b"email\nc@example.com\n")}, headers=viewer_headers),
    ):
        assert_error(response, 403, "forbidden")
    assert [c["email"] for c in client.get(URL, headers=viewer_headers).json()["items"]] == ["a@example.com"]


def test_create_get_update_delete_a_contact(client, admin_headers):
    response = client.post(
        URL,
        json={
            "email": "Ada@Example.com",
            "phone": "415 555 2671",
            "first_name": "Ada",
            "tags": ["vip"],
            "attributes": {"plan": "pro"},
        },
        headers=admin_headers,
    )
    assert response.status_code == 201, response.text
    ada = response.json()
    assert ada["email"] == "ada@example.com"
    assert ada["phone"] == "+14155552671"
    assert ada["tags"] == ["vip"]
    assert ada["attributes"] == {"plan": "pro"}
    assert (ada["email_status"], ada["sms_status"], ada["timezone"]) == ("subscribed", "subscribed", "UTC")

    response = client.patch(
        f"{URL}/{ada['id']}", json={"last_name": "Lovelace", "tags": ["vip", "beta"]}, headers=admin_headers
    )
    assert response.status_code == 200, response.text
    assert response.json()["tags"] == ["beta", "vip"]
    fetched = client.get(f"{URL}/{ada['id']}", headers=admin_headers).json()
    assert (fetched["first_name"], fetched["last_name"]) == ("Ada", "Lovelace")

    assert client.delete(f"{URL}/{ada['id']}", headers=admin_headers).status_code == 204
    assert_error(client.get(f"{URL}/{ada['id']}", headers=admin_headers), 404, "not_found")


def test_bad_input_gets_a_json_error_naming_the_fields(client, marketer_headers):
    error = assert_error(
        client.post(URL, json={"email": "nope", "timezone": "Nowhere/Land"}, headers=marketer_headers),
        422,
        "validation_failed",
    )
    assert {d["field"] for d in error["details"]} == {"email", "timezone"}

    error = assert_error(
        client.post(URL, json={"emial": "typo@example.com"}, headers=marketer_headers), 422, "validation_failed"
    )
    assert "emial" in error["message"]

    client.post(URL, json={"email": "dup@example.com"}, headers=marketer_headers)
    error = assert_error(client.post(URL, json={"email": "DUP@example.com"}, headers=marketer_headers), 409, "conflict")
    assert "dup@example.com already exists" in error["message"]


def test_pagination_returns_every_contact_exactly_once(client, marketer_headers, db):
    with db() as session:
        session.add_all(Contact(email=f"p{i}@example.com") for i in range(12))
    seen, cursor = [], None
    while True:
        params = {"limit": 5} | ({"cursor": cursor} if cursor else {})
        body = client.get(URL, params=params, headers=marketer_headers).json()
        seen += [c["email"] for c in body["items"]]
        if not (cursor := body["next_cursor"]):
            break
    assert sorted(seen) == sorted(f"p{i}@example.com" for i in range(12))
    assert len(seen) == 12

    assert_error(client.get(URL, params={"cursor": "bogus"}, headers=marketer_headers), 422, "validation_failed")
    assert_error(client.get(URL, params={"limit": 0}, headers=marketer_headers), 422, "validation_failed")


def test_search_finds_contacts_by_name(client, marketer_headers):
    client.post(URL, json={"email": "ada@example.com", "first_name": "Ada"}, headers=marketer_headers)
    client.post(URL, json={"email": "bob@example.com", "first_name": "Bob"}, headers=marketer_headers)
    body = client.get(URL, params={"search": "ADA"}, headers=marketer_headers).json()
    assert [c["email"] for c in body["items"]] == ["ada@example.com"]
    assert body["next_cursor"] is None


def test_csv_upload_reports_counts_and_rejected_rows(client, marketer_headers):
    client.post(URL, json={"email": "old@example.com", "first_name": "Old"}, headers=marketer_headers)
    csv = (
        "email,phone,first_name,tags\n"
        "old@example.com,,Renewed,imported\n"
        "new@example.com,+14155550100,New,imported\n"
        "broken,,Bad,\n"
        "new@example.com,,Again,\n"
    )

    response = client.post(
        f"{URL}/import", files={"file": ("people.csv", csv.encode(), "text/csv")}, headers=marketer_headers
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert (body["imported"], body["updated"], body["rejected"]) == (1, 1, 2)
    assert [e["row"] for e in body["errors"]] == [4, 5]
    assert "duplicate of row 3" in body["errors"][1]["reason"]
    items = {c["email"]: c for c in client.get(URL, headers=marketer_headers).json()["items"]}
    assert set(items) == {"old@example.com", "new@example.com"}
    assert (items["old@example.com"]["first_name"], items["old@example.com"]["tags"]) == ("Renewed", ["imported"])
    assert items["new@example.com"]["phone"] == "+14155550100"


@pytest.mark.parametrize(
    ("data", "fragment"),
    [
        ("email,name\nzoë@example.com,Zoë\n".encode("latin-1"), "not UTF-8 encoded"),
        (b"a@example.com,Ann\n", "not a header"),
    ],
    ids=["latin-1", "no-header"],
)
def test_a_rejected_csv_file_changes_nothing(client, marketer_headers, data, fragment):
    response = client.post(f"{URL}/import", files={"file": ("bad.csv", data)}, headers=marketer_headers)

    error = assert_error(response, 422, "validation_failed")
    assert fragment in error["message"]
    assert client.get(URL, headers=marketer_headers).json()["items"] == []


def test_unsubscribe_and_resubscribe_per_channel(client, marketer_headers, db):
    contact = client.post(
        URL, json={"email": "u@example.com", "phone": "+14155550100"}, headers=marketer_headers
    ).json()

    response = client.post(f"{URL}/{contact['id']}/unsubscribe", json={"channel": "sms"}, headers=marketer_headers)
    assert response.status_code == 200, response.text
    assert (response.json()["email_status"], response.json()["sms_status"]) == ("subscribed", "opted_out")
    with db() as session:
        assert [(s.channel, s.address) for s in session.exec(select(Suppression))] == [("sms", "+14155550100")]

    response = client.post(f"{URL}/{contact['id']}/resubscribe", json={"channel": "sms"}, headers=marketer_headers)
    assert response.json()["sms_status"] == "subscribed"
    with db() as session:
        assert session.exec(select(Suppression)).all() == []

    assert_error(
        client.post(f"{URL}/{contact['id']}/unsubscribe", json={"channel": "pigeon"}, headers=marketer_headers),
        422,
        "validation_failed",
    )
    assert_error(
        client.post(f"{URL}/999/unsubscribe", json={"channel": "email"}, headers=marketer_headers), 404, "not_found"
    )
