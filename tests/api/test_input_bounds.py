"""Inputs past what the database or a mail header can hold are a 422 naming the field (issue 9,
sections 5 and 6): numbers past 64 bits, dates that overflow when moved to UTC, control characters
in headers, and oversized tags, attributes and HTML. Nothing is stored."""

from __future__ import annotations

import pytest
from sqlmodel import select

from campaign_dashboard.models import Contact, EmailCampaign, EmailTemplate
from campaign_dashboard.services.limits import (
    MAX_ATTRIBUTES_BYTES,
    MAX_CONTACT_ATTRIBUTES,
    MAX_CONTACT_TAGS,
    MAX_HTML_CHARS,
)
from campaign_dashboard.services.pagination import encode_cursor
from tests.factories import make_contact, make_segment
from tests.helpers.api import assert_error

HUGE = 2**70


def _field_named(error: dict, field: str) -> None:
    fields = [d["field"] for d in error["details"]]
    assert any(f == field or f.endswith(f".{field}") or f.startswith(f"{field}.") for f in fields), fields


@pytest.fixture
def segment_id(db) -> int:
    with db() as session:
        return make_segment(session).id


def _email(segment_id: int, **overrides) -> dict:
    data = {
        "name": "Spring sale",
        "subject": "Hello",
        "from_email": "Shop <news@example.com>",
        "segment_id": segment_id,
        "html": "<p>Sale</p>",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/contacts/99999999999999999999999",
        "/api/v1/segments/99999999999999999999999",
        "/api/v1/templates/18446744073709551616",
        "/api/v1/email-campaigns/18446744073709551616",
        "/api/v1/sms-campaigns/18446744073709551616/stats",
        "/api/v1/email-campaigns/18446744073709551616/recipients",
    ],
)
def test_ids_past_64_bits_in_paths_are_422(client, admin_headers, path):
    error = assert_error(client.get(path, headers=admin_headers), 422, "validation_failed")
    _field_named(
        error,
        path.split("/")[3].rstrip("s").replace("email-campaign", "campaign").replace("sms-campaign", "campaign")
        + "_id",
    )


def test_starting_a_campaign_past_64_bits_is_422(client, admin_headers):
    response = client.post("/api/v1/email-campaigns/18446744073709551616/start", headers=admin_headers)
    _field_named(assert_error(response, 422, "validation_failed"), "campaign_id")


def test_ids_past_64_bits_in_bodies_are_422(client, db, admin_headers, segment_id):
    with db() as session:
        template = EmailTemplate(name="Welcome", subject="Hi", html="<p>Hi</p>")
        session.add(template)
        session.flush()
        template_id = template.id
    checks = [
        ("/api/v1/templates/preview", {"html": "<p>x</p>", "contact_id": HUGE}, "contact_id"),
        (f"/api/v1/templates/{template_id}/preview", {"contact_id": HUGE}, "contact_id"),
        ("/api/v1/segments", {"name": "big", "kind": "static", "contact_ids": [2**63]}, "contact_ids"),
        ("/api/v1/email-campaigns", _email(HUGE), "segment_id"),
        ("/api/v1/email-campaigns", _email(segment_id, html=None, template_id=HUGE), "template_id"),
        ("/api/v1/sms-campaigns", {"name": "s", "body": "hi", "segment_id": HUGE}, "segment_id"),
    ]
    for url, body, field in checks:
        _field_named(assert_error(client.post(url, json=body, headers=admin_headers), 422, "validation_failed"), field)
    with db() as session:
        assert session.exec(select(EmailCampaign)).all() == []


def test_a_cursor_naming_a_huge_id_is_422(client, admin_headers):
    for url in ("/api/v1/contacts", "/api/v1/segments", "/api/v1/templates", "/api/v1/email-campaigns"):
        response = client.get(url, params={"cursor": encode_cursor(HUGE)}, headers=admin_headers)
        _field_named(assert_error(response, 422, "validation_failed"), "cursor")


@pytest.mark.parametrize(
    "when",
    [
        {"scheduled_at": "9999-12-31T23:59:59-14:00"},
        {"scheduled_at": "0001-01-01T00:00:00", "timezone": "Asia/Tokyo"},
    ],
)
def test_dates_that_overflow_in_utc_are_422(client, db, admin_headers, segment_id, when):
    created = client.post("/api/v1/email-campaigns", json=_email(segment_id, **when), headers=admin_headers)
    _field_named(assert_error(created, 422, "validation_failed"), "scheduled_at")
    draft = client.post("/api/v1/email-campaigns", json=_email(segment_id), headers=admin_headers).json()
    url = f"/api/v1/email-campaigns/{draft['id']}"
    for response in (
        client.post(f"{url}/schedule", json=when, headers=admin_headers),
        client.patch(url, json=when, headers=admin_headers),
    ):
        _field_named(assert_error(response, 422, "validation_failed"), "scheduled_at")
    assert client.get(url, headers=admin_headers).json()["status"] == "draft"


@pytest.mark.parametrize(
    "field,value",
    [
        ("from_email", "Evil\r\nBcc: v@x.com <a@example.com>"),
        ("reply_to", "Evil\nBcc: v@x.com <a@example.com>"),
        ("subject", "Hello\r\nBcc: v@x.com"),
        ("subject", "Hello\x00there"),
        ("subject", "Hello\u2028there"),
    ],
)
def test_control_characters_in_email_headers_are_refused(client, db, admin_headers, segment_id, field, value):
    created = client.post("/api/v1/email-campaigns", json=_email(segment_id, **{field: value}), headers=admin_headers)
    _field_named(assert_error(created, 422, "validation_failed"), field)
    draft = client.post("/api/v1/email-campaigns", json=_email(segment_id), headers=admin_headers).json()
    edited = client.patch(f"/api/v1/email-campaigns/{draft['id']}", json={field: value}, headers=admin_headers)
    _field_named(assert_error(edited, 422, "validation_failed"), field)
    with db() as session:
        stored = session.get(EmailCampaign, draft["id"])
        assert "\n" not in (stored.subject + stored.from_email + (stored.reply_to or ""))


def test_a_template_subject_with_a_line_break_is_refused(client, db, admin_headers):
    body = {"name": "Evil", "subject": "Hi\r\nBcc: v@x.com", "html": "<p>x</p>"}
    _field_named(
        assert_error(client.post("/api/v1/templates", json=body, headers=admin_headers), 422, "validation_failed"),
        "subject",
    )
    with db() as session:
        assert session.exec(select(EmailTemplate)).all() == []


def test_too_many_tags_or_attributes_are_refused(client, db, admin_headers):
    many_tags = [f"t{i}" for i in range(MAX_CONTACT_TAGS + 1)]
    many_attributes = {f"a{i}": i for i in range(MAX_CONTACT_ATTRIBUTES + 1)}
    big_attributes = {"blob": "x" * MAX_ATTRIBUTES_BYTES}
    for field, value in (("tags", many_tags), ("attributes", many_attributes), ("attributes", big_attributes)):
        body = {"email": "big@example.com", field: value}
        _field_named(
            assert_error(client.post("/api/v1/contacts", json=body, headers=admin_headers), 422, "validation_failed"),
            field,
        )
    with db() as session:
        contact_id = make_contact(session, email="small@example.com").id
    response = client.patch(f"/api/v1/contacts/{contact_id}", json={"tags": many_tags}, headers=admin_headers)
    _field_named(assert_error(response, 422, "validation_failed"), "tags")
    with db() as session:
        assert [c.email for c in session.exec(select(Contact)).all()] == ["small@example.com"]
    at_the_limit = {
        "email": "ok@example.com",
        "tags": many_tags[:MAX_CONTACT_TAGS],
        "attributes": {f"a{i}": i for i in range(MAX_CONTACT_ATTRIBUTES)},
    }
    assert client.post("/api/v1/contacts", json=at_the_limit, headers=admin_headers).status_code == 201


def test_oversized_html_is_refused(client, db, admin_headers, segment_id):
    html = "<p>" + "x" * MAX_HTML_CHARS + "</p>"
    _field_named(
        assert_error(
            client.post("/api/v1/email-campaigns", json=_email(segment_id, html=html), headers=admin_headers),
            422,
            "validation_failed",
        ),
        "html",
    )
    _field_named(
        assert_error(
            client.post("/api/v1/templates", json={"name": "big", "html": html}, headers=admin_headers),
            422,
            "validation_failed",
        ),
        "html",
    )
    _field_named(
        assert_error(
            client.post("/api/v1/templates/preview", json={"html": html}, headers=admin_headers),
            422,
            "validation_failed",
        ),
        "html",
    )
    with db() as session:
        assert session.exec(select(EmailCampaign)).all() == []
        assert session.exec(select(EmailTemplate)).all() == []


def test_a_second_template_with_a_non_ascii_name_is_a_conflict(client, db, admin_headers):
    """Found by the schema fuzz: SQLite's lower() folds only ASCII, so the duplicate check missed
    the name and the unique index answered with a 500."""
    body = {"name": "Ümlaut news", "html": "<p>x</p>"}
    assert client.post("/api/v1/templates", json=body, headers=admin_headers).status_code == 201
    error = assert_error(client.post("/api/v1/templates", json=body, headers=admin_headers), 409, "conflict")
    _field_named(error, "name")
    with db() as session:
        assert len(session.exec(select(EmailTemplate)).all()) == 1


def test_a_body_past_the_cap_is_refused_before_it_is_read(client, db, admin_headers):
    from campaign_dashboard.api.body_limit import MAX_BODY_BYTES

    huge = '{"email": "big@example.com", "attributes": {"blob": "' + "x" * MAX_BODY_BYTES + '"}}'
    response = client.post(
        "/api/v1/contacts", content=huge, headers={**admin_headers, "Content-Type": "application/json"}
    )
    assert_error(response, 413, "payload_too_large")

    def chunks():  # no Content-Length: counted as it arrives
        yield b'{"email": "big@example.com", "first_name": "'
        for _ in range(MAX_BODY_BYTES // 65536 + 1):
            yield b"x" * 65536
        yield b'"}'

    response = client.post(
        "/api/v1/contacts", content=chunks(), headers={**admin_headers, "Content-Type": "application/json"}
    )
    assert_error(response, 413, "payload_too_large")
    with db() as session:
        assert session.exec(select(Contact)).all() == []


@pytest.mark.parametrize("value", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-14:00"])
def test_segment_rule_dates_that_overflow_in_utc_are_422(client, admin_headers, value):
    rules = [{"field": "created_at", "op": "after", "value": value}]
    for url, body in (
        ("/api/v1/segments/preview-count", {"rules": rules}),
        ("/api/v1/segments", {"name": "Old", "rules": rules}),
    ):
        error = assert_error(client.post(url, json=body, headers=admin_headers), 422, "validation_failed")
        _field_named(error, "rules[0].value")


def test_a_rule_set_is_bounded(client, db, admin_headers):
    """3,000 OR-ed rules kept PostgreSQL busy for minutes and overflowed SQLite's expression depth."""
    from campaign_dashboard.models import Segment
    from campaign_dashboard.services.audience.rule_values import MAX_VALUE_CHARS
    from campaign_dashboard.services.audience.segment_rules import MAX_RULES

    rules = [{"field": "tag", "op": "is", "value": f"t{i}"} for i in range(MAX_RULES + 1)]
    for url, body in (
        ("/api/v1/segments/preview-count", {"rules": rules, "match": "any"}),
        ("/api/v1/segments", {"name": "Many", "rules": rules, "match": "any"}),
    ):
        _field_named(
            assert_error(client.post(url, json=body, headers=admin_headers), 422, "validation_failed"), "rules"
        )
    long_value = [{"field": "first_name", "op": "contains", "value": "x" * (MAX_VALUE_CHARS + 1)}]
    response = client.post("/api/v1/segments/preview-count", json={"rules": long_value}, headers=admin_headers)
    _field_named(assert_error(response, 422, "validation_failed"), "rules[0].value")
    at_the_limit = client.post(
        "/api/v1/segments/preview-count", json={"rules": rules[:MAX_RULES], "match": "any"}, headers=admin_headers
    )
    assert at_the_limit.status_code == 200 and at_the_limit.json() == {"count": 0}
    with db() as session:
        assert session.exec(select(Segment)).all() == []


@pytest.mark.parametrize(
    "method,url,body,field",
    [
        ("post", "/api/v1/contacts", {"email": "nul@example.com", "attributes": {"note": "a\x00b"}}, "attributes.note"),
        ("post", "/api/v1/contacts", {"email": "nul@example.com", "tags": ["ok", "b\x00d"]}, "tags.1"),
        ("post", "/api/v1/templates", {"name": "Nul", "html": "<p>\x00</p>"}, "html"),
        ("post", "/api/v1/templates/preview", {"html": "<p>\x00</p>"}, "html"),
        (
            "post",
            "/api/v1/segments/preview-count",
            {"rules": [{"field": "attributes.a\x00", "op": "is", "value": "x"}]},
            "rules.0.field",
        ),
        ("get", "/api/v1/contacts?search=%00", None, "query.search"),
        ("get", "/api/v1/email-campaigns?search=a%00", None, "query.search"),
    ],
)
def test_nul_characters_are_422_on_both_databases(client, db, admin_headers, method, url, body, field):
    """PostgreSQL cannot store NUL in text: these were 500s there (and stored on SQLite)."""
    kwargs = {"json": body} if body is not None else {}
    response = getattr(client, method)(url, headers=admin_headers, **kwargs)
    _field_named(assert_error(response, 422, "validation_failed"), field)
    with db() as session:
        assert session.exec(select(Contact)).all() == []
        assert session.exec(select(EmailTemplate)).all() == []


def test_ids_past_32_bits_are_422_because_postgresql_ids_are_integers(client, admin_headers, segment_id):
    """Found by the schema fuzz on PostgreSQL: /contacts/2147483648 was "integer out of range", a 500."""
    past = 2**31
    for path in (f"/api/v1/contacts/{past}", f"/api/v1/email-campaigns/{past}/stats", f"/api/v1/templates/{past}"):
        assert_error(client.get(path, headers=admin_headers), 422, "validation_failed")
    response = client.post(
        "/api/v1/sms-campaigns", json={"name": "s", "body": "hi", "segment_id": past}, headers=admin_headers
    )
    _field_named(assert_error(response, 422, "validation_failed"), "segment_id")
    response = client.get("/api/v1/contacts", params={"cursor": encode_cursor(past)}, headers=admin_headers)
    _field_named(assert_error(response, 422, "validation_failed"), "cursor")
    assert_error(client.get(f"/api/v1/contacts/{past - 1}", headers=admin_headers), 404, "not_found")
