"""Behaviour segments through the API: saved, counted and previewed like other rules; a campaign
that does not exist, a number of days out of range or an op a field does not have is a 422 naming
the rule's part; the OpenAPI document lists the fields."""

from __future__ import annotations

import uuid

from campaign_dashboard.models import utcnow
from campaign_dashboard.services.events.email_events import EmailEventIn, EmailEventType, apply_email_event
from tests.factories import make_contact, make_email_campaign
from tests.helpers.api import assert_error
from tests.helpers.events import make_sent_email

URL = "/api/v1/segments"


def spring_with_one_open(db) -> int:
    """Email campaign `Spring` sent to three contacts; the first opened it."""
    with db() as session:
        spring = make_email_campaign(session, name="Spring", status="sent")
        sent = [make_sent_email(session, campaign=spring, contact=make_contact(session)) for _ in range(3)]
        event = EmailEventIn(
            provider_event_id=f"evt-{uuid.uuid4().hex}",
            type=EmailEventType.OPENED,
            provider_message_id=sent[0].provider_message_id,
            occurred_at=utcnow(),
        )
        apply_email_event(session=session, event=event)
        assert spring.id is not None
        return spring.id


def test_a_behaviour_segment_is_saved_counted_and_previewed(client, marketer_headers, db):
    spring = spring_with_one_open(db)
    not_opened = [{"field": "email_campaign", "op": "not_opened", "value": spring}]
    response = client.post(URL, json={"name": "Spring, not opened", "rules": not_opened}, headers=marketer_headers)
    assert response.status_code == 201, response.text
    assert response.json()["rules"] == not_opened
    assert client.get(f"{URL}/{response.json()['id']}/count", headers=marketer_headers).json() == {"count": 2}

    recent = [{"field": "email_engagement", "op": "opened_within_days", "value": "7"}]
    assert client.post(f"{URL}/preview-count", json={"rules": recent}, headers=marketer_headers).json() == {"count": 1}
    either = {"rules": not_opened + recent, "match": "any"}
    assert client.post(f"{URL}/preview-count", json=either, headers=marketer_headers).json() == {"count": 3}


def test_bad_behaviour_rules_are_422_naming_the_rule_part(client, marketer_headers, db):
    spring = spring_with_one_open(db)
    rules = [
        {"field": "email_campaign", "op": "opened", "value": spring + 1000},
        {"field": "email_engagement", "op": "not_engaged_for_days", "value": 0},
        {"field": "sms_campaign", "op": "opened", "value": 1},
        {"field": "last_engagement", "op": "before", "value": "yesterday"},
    ]
    for response in (
        client.post(URL, json={"name": "Bad", "rules": rules}, headers=marketer_headers),
        client.post(f"{URL}/preview-count", json={"rules": rules}, headers=marketer_headers),
    ):
        error = assert_error(response, 422, "validation_failed")
        found = {d["field"]: d["message"] for d in error["details"]}
        assert set(found) == {"rules[0].value", "rules[1].value", "rules[2].op", "rules[3].value"}
        assert found["rules[0].value"] == f"there is no email campaign with id {spring + 1000}"
        assert "between 1 and 3,650" in found["rules[1].value"]
    assert client.get(URL, headers=marketer_headers).json()["items"] == []

    segment = client.post(URL, json={"name": "Fine", "rules": []}, headers=marketer_headers).json()
    response = client.patch(f"{URL}/{segment['id']}", json={"rules": rules[:1]}, headers=marketer_headers)
    assert assert_error(response, 422, "validation_failed")["details"][0]["field"] == "rules[0].value"


def test_the_openapi_document_lists_the_behaviour_fields(client):
    schemas = client.get("/api/openapi.json").json()["components"]["schemas"]
    for name in ("SegmentCreate", "SegmentUpdate", "RulesPreview"):
        described = schemas[name]["properties"]["rules"]["description"]
        for word in ("email_campaign", "not_opened", "sms_campaign", "not_replied", "email_engagement"):
            assert word in described, (name, word)
        assert "not_engaged_for_days" in described and "last_engagement" in described
