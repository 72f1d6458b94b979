"""The templates API: save with validation, preview before and after saving."""

from __future__ import annotations

from tests.factories import make_contact, make_email_campaign, make_segment
from tests.helpers.api import assert_error

URL = "/api/v1/templates"
WELCOME = {
    "name": "Welcome",
    "subject": "Welcome, {{ first_name | default('friend') }}",
    "html": "<h1>Hi {{ first_name }}</h1><p><a href='https://shop.example.com'>Shop now</a></p>",
}


def test_template_crud(client, marketer_headers):
    created = client.post(URL, json=WELCOME, headers=marketer_headers)
    assert created.status_code == 201, created.text
    tid = created.json()["id"]
    assert client.get(f"{URL}/{tid}", headers=marketer_headers).json()["name"] == "Welcome"
    patched = client.patch(f"{URL}/{tid}", json={"subject": "Hello"}, headers=marketer_headers).json()
    assert (patched["subject"], patched["html"]) == ("Hello", WELCOME["html"])
    listed = client.get(URL, params={"search": "welc"}, headers=marketer_headers).json()
    assert [t["id"] for t in listed["items"]] == [tid] and listed["next_cursor"] is None
    assert client.delete(f"{URL}/{tid}", headers=marketer_headers).status_code == 204
    assert_error(client.get(f"{URL}/{tid}", headers=marketer_headers), 404, "not_found")


def test_a_broken_template_is_rejected_at_save_with_the_line(client, marketer_headers):
    broken = {**WELCOME, "html": "<h1>Hi</h1>\n<p>{% for item in items %}{{ item }}</p>\n"}
    error = assert_error(client.post(URL, json=broken, headers=marketer_headers), 422, "validation_failed")
    assert error["details"][0]["field"] == "html"
    assert error["details"][0]["line"] == 2  # the unclosed {% for %}
    assert "line 2" in error["message"]
    assert client.get(URL, headers=marketer_headers).json()["items"] == []


def test_a_broken_edit_leaves_the_saved_template_alone(client, marketer_headers):
    tid = client.post(URL, json=WELCOME, headers=marketer_headers).json()["id"]
    error = assert_error(
        client.patch(f"{URL}/{tid}", json={"subject": "Hi {{ first_name"}, headers=marketer_headers),
        422,
        "validation_failed",
    )
    assert error["details"][0]["field"] == "subject"
    assert client.get(f"{URL}/{tid}", headers=marketer_headers).json()["subject"] == WELCOME["subject"]


def test_duplicate_names_conflict(client, marketer_headers):
    client.post(URL, json=WELCOME, headers=marketer_headers)
    assert_error(client.post(URL, json={**WELCOME, "name": "welcome"}, headers=marketer_headers), 409, "conflict")


def test_preview_a_saved_template_with_the_sample_or_a_real_contact(client, db, viewer_headers, marketer_headers):
    tid = client.post(URL, json=WELCOME, headers=marketer_headers).json()["id"]
    sample = client.post(f"{URL}/{tid}/preview", headers=viewer_headers)
    assert sample.status_code == 200, sample.text
    assert sample.json() == {
        "subject": "Welcome, Jane",
        "html": WELCOME["html"].replace("{{ first_name }}", "Jane"),
        "text": "Hi Jane\n\nShop now (https://shop.example.com)",
    }
    with db() as session:
        contact_id = make_contact(session, first_name="").id
    real = client.post(f"{URL}/{tid}/preview", json={"contact_id": contact_id}, headers=viewer_headers).json()
    assert real["subject"] == "Welcome, friend"


def test_preview_unsaved_source(client, viewer_headers):
    response = client.post(
        f"{URL}/preview",
        json={"subject": "{{ city }} deals", "html": "<p>{{ first_name | upper }}</p>"},
        headers=viewer_headers,
    )
    assert response.json() == {"subject": "Lisbon deals", "html": "<p>JANE</p>", "text": "JANE"}


def test_preview_reports_a_render_error_for_the_contact(client, db, viewer_headers):
    with db() as session:
        contact_id = make_contact(session, first_name="Ana").id
    response = client.post(
        f"{URL}/preview", json={"html": "<p>Code {{ coupon }}</p>", "contact_id": contact_id}, headers=viewer_headers
    )
    error = assert_error(response, 422, "render_failed")
    assert "'coupon' is not set" in error["message"]


def test_a_template_used_by_a_sending_campaign_is_frozen(client, db, marketer_headers):
    tid = client.post(URL, json=WELCOME, headers=marketer_headers).json()["id"]
    with db() as session:
        make_email_campaign(session, segment_id=make_segment(session).id, template_id=tid, html=None, status="sending")
    assert_error(
        client.patch(f"{URL}/{tid}", json={"html": "<p>changed</p>"}, headers=marketer_headers), 409, "conflict"
    )
    assert_error(client.delete(f"{URL}/{tid}", headers=marketer_headers), 409, "conflict")


def test_viewer_reads_but_cannot_write_and_no_token_is_401(client, viewer_headers, marketer_headers):
    tid = client.post(URL, json=WELCOME, headers=marketer_headers).json()["id"]
    assert client.get(URL, headers=viewer_headers).status_code == 200
    assert_error(client.post(URL, json={**WELCOME, "name": "Other"}, headers=viewer_headers), 403, "forbidden")
    assert_error(client.patch(f"{URL}/{tid}", json={"name": "X"}, headers=viewer_headers), 403, "forbidden")
    assert_error(client.delete(f"{URL}/{tid}", headers=viewer_headers), 403, "forbidden")
    assert_error(client.get(URL), 401, "unauthorized")
    assert_error(client.post(f"{URL}/preview", json={"html": "<p/>"}), 401, "unauthorized")
