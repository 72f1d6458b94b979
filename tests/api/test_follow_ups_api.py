"""Follow-ups through the API: the audiences of a finished campaign with their counts, a new draft
to one of them, and the refusals a script can act on."""

from __future__ import annotations

import pytest

from tests.factories import make_contact, make_email_campaign, make_segment, make_sms_campaign, random_phone
from tests.helpers.api import assert_error
from tests.helpers.events import make_sent_email, make_sms_recipient

URLS = {"email": "/api/v1/email-campaigns", "sms": "/api/v1/sms-campaigns"}


@pytest.fixture
def sent_email_campaign(db) -> tuple[int, set[int]]:
    """A sent email campaign; two of its three recipients did not open it (their contact ids)."""
    with db() as session:
        campaign = make_email_campaign(
            session, name="Spring sale", status="sent", recipients=3, segment_id=make_segment(session).id
        )
        sent = [make_sent_email(session, campaign=campaign) for _ in range(3)]
        sent[0].last_engaged_at = sent[0].sent_at
        session.add(sent[0])
        session.commit()
        return campaign.id, {s.contact_id for s in sent[1:]}


def test_a_marketer_follows_up_with_those_who_did_not_open(client, db, marketer_headers, sent_email_campaign):
    campaign_id, quiet = sent_email_campaign
    url = f"{URLS['email']}/{campaign_id}/follow-ups"
    listed = client.get(url, headers=marketer_headers)
    assert listed.status_code == 200, listed.text
    assert {a["key"]: a["count"] for a in listed.json()} == {
        "not_opened": 2,
        "not_clicked": 3,
        "soft_bounced": 0,
        "failed": 0,
    }
    response = client.post(
        url, json={"audience": "not_opened", "subject": "Did you miss it?"}, headers=marketer_headers
    )
    assert response.status_code == 201, response.text
    draft = response.json()
    assert (draft["status"], draft["subject"], draft["follow_up_of"], draft["follow_up_audience"]) == (
        "draft",
        "Did you miss it?",
        campaign_id,
        "not_opened",
    )
    assert draft["name"] == "Spring sale — follow-up: did not open"
    segment = client.get(f"/api/v1/segments/{draft['segment_id']}", headers=marketer_headers).json()
    assert segment["kind"] == "static" and set(segment["contact_ids"]) == quiet
    read = client.get(f"{URLS['email']}/{draft['id']}", headers=marketer_headers).json()
    assert read["follow_up_of"] == campaign_id and read["allowed_actions"] == ["schedule", "start"]


def test_sms_follow_up_of_undelivered_texts(client, db, marketer_headers):
    with db() as session:
        campaign = make_sms_campaign(session, status="sent", recipients=1, segment_id=make_segment(session).id)
        make_sms_recipient(session, campaign=campaign, contact=make_contact(session, phone=random_phone()))
        campaign_id = campaign.id
    url = f"{URLS['sms']}/{campaign_id}/follow-ups"
    response = client.post(url, json={"audience": "not_delivered", "name": "Try again"}, headers=marketer_headers)
    assert response.status_code == 201, response.text
    assert (response.json()["name"], response.json()["follow_up_audience"]) == ("Try again", "not_delivered")
    error = assert_error(
        client.post(url, json={"audience": "failed", "subject": "x"}, headers=marketer_headers),
        422,
        "validation_failed",
    )
    assert error["details"][0]["field"] == "subject"


def test_refusals_name_the_field_or_say_why(client, db, marketer_headers, viewer_headers, sent_email_campaign):
    campaign_id, _ = sent_email_campaign
    url = f"{URLS['email']}/{campaign_id}/follow-ups"
    for body, field in (
        ({}, "audience"),
        ({"audience": "opened"}, "audience"),
        ({"audience": "x" * 41}, "audience"),
        ({"audience": "not_opened", "subject": ""}, "subject"),
        ({"audience": "not_opened", "name": " "}, "name"),
        ({"audience": "not_opened", "colour": "red"}, "colour"),
    ):
        error = assert_error(client.post(url, json=body, headers=marketer_headers), 422, "validation_failed")
        assert any(d["field"].endswith(field) for d in error["details"]), (body, error)
    empty = assert_error(client.post(url, json={"audience": "soft_bounced"}, headers=marketer_headers), 409, "conflict")
    assert "Nobody is left" in empty["message"]
    with db() as session:
        sending = make_email_campaign(session, status="sending", recipients=5).id
    busy = f"{URLS['email']}/{sending}/follow-ups"
    not_done = assert_error(
        client.post(busy, json={"audience": "not_opened"}, headers=marketer_headers), 409, "conflict"
    )
    assert "once it has finished" in not_done["message"]
    assert_error(client.get(busy, headers=marketer_headers), 409, "conflict")
    assert_error(
        client.post(f"{URLS['email']}/999999/follow-ups", json={"audience": "failed"}, headers=marketer_headers),
        404,
        "not_found",
    )
    assert_error(client.post(url, json={"audience": "not_opened"}, headers=viewer_headers), 403, "forbidden")
    assert client.get(url, headers=viewer_headers).status_code == 200
