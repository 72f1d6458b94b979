"""Topics over the API: any token reads, viewers may not change them, bad names are 422 naming the
field, a taken name or a topic campaigns target is 409 saying why; a campaign's `topic_id` must
name a topic (422 naming `topic_id`)."""

from __future__ import annotations

import pytest

from campaign_dashboard.models import TopicOptOut
from tests.factories import make_contact, make_segment
from tests.helpers.api import assert_error

URL = "/api/v1/topics"
CAMPAIGNS = {"email": "/api/v1/email-campaigns", "sms": "/api/v1/sms-campaigns"}
BODIES = {
    "email": {"subject": "Hi", "from_email": "news@example.com", "html": "<p>Hi</p>"},
    "sms": {"body": "Hi, 20% off today"},
}


def test_viewers_read_marketers_manage_and_names_are_checked(client, db, marketer_headers, viewer_headers):
    refused = client.post(URL, json={"name": "Offers"}, headers=viewer_headers)
    assert refused.status_code == 403
    created = client.post(URL, json={"name": "Offers", "description": "Deals"}, headers=marketer_headers)
    assert created.status_code == 201, created.text
    topic = created.json()
    assert (topic["name"], topic["description"], topic["opted_out"]) == ("Offers", "Deals", 0)

    error = assert_error(client.post(URL, json={"name": "offers"}, headers=marketer_headers), 409, "conflict")
    assert error["details"][0]["field"] == "name" and "already exists" in error["message"]
    for bad in ({"name": ""}, {"name": "x" * 101}, {"name": "a\nb"}, {"name": "Ok", "colour": "red"}, {}):
        error = assert_error(client.post(URL, json=bad, headers=marketer_headers), 422, "validation_failed")
        assert error["details"][0]["field"] in ("name", "colour")

    with db() as session:
        contact = make_contact(session)
        session.add(TopicOptOut(topic_id=topic["id"], channel="email", contact_id=contact.id))
    listed = client.get(URL, headers=viewer_headers).json()["items"]
    assert [(t["name"], t["opted_out"]) for t in listed] == [("Offers", 1)]

    assert client.patch(f"{URL}/{topic['id']}", json={"name": "Deals"}, headers=viewer_headers).status_code == 403
    renamed = client.patch(f"{URL}/{topic['id']}", json={"name": "Deals"}, headers=marketer_headers)
    assert renamed.status_code == 200 and renamed.json()["name"] == "Deals"
    assert renamed.json()["description"] == "Deals"  # untouched
    assert client.get(f"{URL}/999999", headers=viewer_headers).status_code == 404


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_a_campaigns_topic_is_checked_and_a_used_topic_is_not_deleted(client, db, marketer_headers, channel):
    with db() as session:
        segment_id = make_segment(session).id
    topic = client.post(URL, json={"name": "Product updates"}, headers=marketer_headers).json()
    body = {"name": "Spring launch", "segment_id": segment_id, **BODIES[channel]}

    for bad in (424242, "news", 0):
        error = assert_error(
            client.post(CAMPAIGNS[channel], json={**body, "topic_id": bad}, headers=marketer_headers),
            422,
            "validation_failed",
        )
        assert error["details"][0]["field"] == "topic_id"
    created = client.post(CAMPAIGNS[channel], json={**body, "topic_id": topic["id"]}, headers=marketer_headers)
    assert created.status_code == 201, created.text
    assert created.json()["topic_id"] == topic["id"]

    error = assert_error(client.delete(f"{URL}/{topic['id']}", headers=marketer_headers), 409, "conflict")
    assert "Spring launch" in error["message"]
    assert client.get(f"{URL}/{topic['id']}", headers=marketer_headers).status_code == 200

    campaign = f"{CAMPAIGNS[channel]}/{created.json()['id']}"
    cleared = client.patch(campaign, json={"topic_id": None}, headers=marketer_headers)
    assert cleared.status_code == 200 and cleared.json()["topic_id"] is None
    assert client.delete(f"{URL}/{topic['id']}", headers=marketer_headers).status_code == 204
    assert client.get(f"{URL}/{topic['id']}", headers=marketer_headers).status_code == 404
