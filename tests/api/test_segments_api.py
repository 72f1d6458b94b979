"""The segments API: define an audience, see its size, and keep it while campaigns depend on it."""

from __future__ import annotations

from campaign_dashboard.models import Contact, ContactTag
from tests.factories import make_email_campaign
from tests.helpers.api import assert_error

URL = "/api/v1/segments"
VIP = [{"field": "tag", "op": "is", "value": "vip"}]


def add_contacts(db, *tag_lists: list[str]) -> list[int]:
    with db() as session:
        contacts = [Contact(email=f"s{i}@example.com") for i in range(len(tag_lists))]
        session.add_all(contacts)
        session.flush()
        for contact, tags in zip(contacts, tag_lists, strict=True):
            session.add_all(ContactTag(contact_id=contact.id, tag=tag) for tag in tags)
        return [c.id for c in contacts]


def test_segments_need_a_token_and_viewers_only_read(client, viewer_headers, marketer_headers):
    assert_error(client.get(URL), 401, "unauthorized")
    assert_error(client.post(URL, json={"name": "X", "rules": VIP}), 401, "unauthorized")
    assert_error(client.post(URL, json={"name": "X", "rules": VIP}, headers=viewer_headers), 403, "forbidden")

    segment = client.post(URL, json={"name": "X", "rules": VIP}, headers=marketer_headers).json()
    assert client.get(f"{URL}/{segment['id']}/count", headers=viewer_headers).json() == {"count": 0}
    assert_error(client.patch(f"{URL}/{segment['id']}", json={"name": "Y"}, headers=viewer_headers), 403, "forbidden")
    assert_error(client.delete(f"{URL}/{segment['id']}", headers=viewer_headers), 403, "forbidden")


def test_a_rules_segment_is_created_counted_updated_and_deleted(client, marketer_headers, db):
    add_contacts(db, ["vip"], ["vip", "beta"], ["beta"])

    response = client.post(
        URL, json={"name": "VIPs", "kind": "rules", "rules": VIP, "match": "all"}, headers=marketer_headers
    )
    assert response.status_code == 201, response.text
    segment = response.json()
    assert {k: segment[k] for k in ("name", "kind", "rules", "match", "contact_ids")} == {
        "name": "VIPs",
        "kind": "rules",
        "rules": VIP,
        "match": "all",
        "contact_ids": [],
    }
    assert client.get(f"{URL}/{segment['id']}/count", headers=marketer_headers).json() == {"count": 2}

    beta_or_vip = VIP + [{"field": "tag", "op": "is", "value": "beta"}]
    response = client.patch(
        f"{URL}/{segment['id']}", json={"rules": beta_or_vip, "match": "any"}, headers=marketer_headers
    )
    assert response.status_code == 200, response.text
    assert client.get(f"{URL}/{segment['id']}/count", headers=marketer_headers).json() == {"count": 3}

    assert client.delete(f"{URL}/{segment['id']}", headers=marketer_headers).status_code == 204
    assert_error(client.get(f"{URL}/{segment['id']}", headers=marketer_headers), 404, "not_found")
    assert_error(client.get(f"{URL}/{segment['id']}/count", headers=marketer_headers), 404, "not_found")


def test_a_static_segment_lists_its_contacts(client, marketer_headers, db):
    a, b, _ = add_contacts(db, [], [], [])
    response = client.post(
        URL, json={"name": "Picked", "kind": "static", "contact_ids": [b, a]}, headers=marketer_headers
    )
    assert response.status_code == 201, response.text
    segment = response.json()
    assert sorted(segment["contact_ids"]) == sorted([a, b])
    assert client.get(f"{URL}/{segment['id']}/count", headers=marketer_headers).json() == {"count": 2}

    listed = client.get(URL, headers=marketer_headers).json()
    assert [(s["name"], sorted(s["contact_ids"])) for s in listed["items"]] == [("Picked", sorted([a, b]))]
    assert listed["next_cursor"] is None


def test_invalid_rules_come_back_with_field_level_errors(client, marketer_headers):
    response = client.post(
        URL,
        json={
            "name": "Bad",
            "rules": [
                {"field": "tag", "op": "after", "value": "x"},
                {"field": "attributes.plan", "op": "is", "value": None},
            ],
        },
        headers=marketer_headers,
    )
    error = assert_error(response, 422, "validation_failed")
    assert {d["field"] for d in error["details"]} == {"rules[0].op", "rules[1].value"}
    assert client.get(URL, headers=marketer_headers).json()["items"] == []


def test_preview_counts_rules_before_saving(client, viewer_headers, db):
    add_contacts(db, ["vip"], [])
    response = client.post(f"{URL}/preview-count", json={"rules": VIP}, headers=viewer_headers)
    assert response.json() == {"count": 1}


def test_a_segment_a_sent_campaign_used_cannot_be_deleted(client, marketer_headers, db):
    segment = client.post(URL, json={"name": "Used", "rules": VIP}, headers=marketer_headers).json()
    with db() as session:
        make_email_campaign(session, name="Autumn news", segment_id=segment["id"], status="sent")

    error = assert_error(client.delete(f"{URL}/{segment['id']}", headers=marketer_headers), 409, "conflict")
    assert "Autumn news" in error["message"]
    assert client.get(f"{URL}/{segment['id']}", headers=marketer_headers).status_code == 200


def test_duplicate_segment_name_is_a_conflict(client, marketer_headers):
    client.post(URL, json={"name": "Same"}, headers=marketer_headers)
    assert_error(client.post(URL, json={"name": "same"}, headers=marketer_headers), 409, "conflict")
