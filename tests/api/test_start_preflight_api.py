"""Starting or scheduling through the API is refused (422 naming the field) while the campaign
cannot be rendered for contacts of its audience: nothing is queued or recorded, the status stays."""

from __future__ import annotations

import pytest
from sqlmodel import select

from campaign_dashboard.services.channels import campaign_model, recipient_model
from tests.factories import make_contact, make_email_campaign, make_segment, make_sms_campaign
from tests.helpers.api import assert_error

URLS = {"email": "/api/v1/email-campaigns", "sms": "/api/v1/sms-campaigns"}
BROKEN = {"email": {"html": "<p>Hi {{ frist_name }}</p>"}, "sms": {"body": "Hi {{ frist_name }}"}}
FIELD = {"email": "html", "sms": "body"}


def _broken_campaign(db, channel: str) -> int:
    with db() as session:
        segment = make_segment(session, rules=[{"field": "tag", "op": "is", "value": "api-preflight"}])
        for i in range(3):
            make_contact(session, tags=["api-preflight"], phone=f"+1415555030{i}")
        make = make_email_campaign if channel == "email" else make_sms_campaign
        return make(session, name="Broken launch", segment_id=segment.id, **BROKEN[channel]).id


def _state(db, channel: str, campaign_id: int) -> tuple[str, int, int, list]:
    with db() as session:
        campaign = session.get(campaign_model(channel), campaign_id)
        Recipient = recipient_model(channel)
        rows = session.exec(select(Recipient).where(Recipient.campaign_id == campaign_id)).all()
        return campaign.status, campaign.sent, campaign.recipients, rows


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_start_and_schedule_are_refused_naming_the_field_and_nothing_is_sent(client, db, marketer_headers, channel):
    campaign_id = _broken_campaign(db, channel)
    url = f"{URLS[channel]}/{campaign_id}"

    error = assert_error(client.post(f"{url}/start", headers=marketer_headers), 422, "validation_failed")
    assert "Broken launch" in error["message"] and "frist_name" in error["message"]
    [detail] = error["details"]
    assert detail["field"] == FIELD[channel]
    assert "'frist_name' is not a contact field" in detail["message"] and ": 3 contacts" in detail["message"]
    assert detail["contacts"] == 3 and len(detail["examples"]) == 3
    assert _state(db, channel, campaign_id) == ("draft", 0, 0, [])

    when = {"scheduled_at": "2099-01-01T09:00:00+00:00"}
    error = assert_error(client.post(f"{url}/schedule", json=when, headers=marketer_headers), 422, "validation_failed")
    assert error["details"][0]["field"] == FIELD[channel]
    assert _state(db, channel, campaign_id) == ("draft", 0, 0, [])

    # Fixed, it starts.
    fixed = {"html": "<p>Hi {{ first_name }}</p>"} if channel == "email" else {"body": "Hi {{ first_name }}"}
    assert client.patch(url, json=fixed, headers=marketer_headers).status_code == 200
    started = client.post(f"{url}/start", headers=marketer_headers)
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "sending" and started.json()["recipients"] == 3


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_a_variable_only_some_contacts_lack_may_be_sent_anyway_skipping_them(client, db, marketer_headers, channel):
    """ "Send anyway, skipping N": only for variables some contacts lack; never for a template that
    is wrong for everyone (a misspelt field) or a variable nobody has."""
    with db() as session:
        segment = make_segment(session, rules=[{"field": "tag", "op": "is", "value": "api-skip"}])
        for i, plan in enumerate(["pro", "team", None]):
            make_contact(session, tags=["api-skip"], phone=f"+1415555040{i}", attributes={"plan": plan} if plan else {})
        content = {"html": "<p>Your {{ plan }} plan</p>"} if channel == "email" else {"body": "Your {{ plan }} plan"}
        make = make_email_campaign if channel == "email" else make_sms_campaign
        partly = make(session, name="Plans", segment_id=segment.id, **content).id
        nobody = make(
            session,
            name="Nobody",
            segment_id=segment.id,
            **{k: v.replace("plan", "shoe_size") for k, v in content.items()},
        ).id
    url = f"{URLS[channel]}/{partly}"

    error = assert_error(client.post(f"{url}/start", headers=marketer_headers), 422, "validation_failed")
    assert error["details"][0]["kind"] == "undefined_variable" and error["details"][0]["contacts"] == 1
    assert _state(db, channel, partly) == ("draft", 0, 0, [])

    for refused in (nobody, _broken_campaign(db, channel)):  # nobody has it; a misspelt field
        answer = client.post(f"{URLS[channel]}/{refused}/start?skip_missing_variables=true", headers=marketer_headers)
        assert_error(answer, 422, "validation_failed")
        assert _state(db, channel, refused)[0] == "draft"

    started = client.post(f"{url}/start?skip_missing_variables=true", headers=marketer_headers)
    assert started.status_code == 200, started.text
    assert started.json()["status"] == "sending" and started.json()["recipients"] == 3
    status, _, _, rows = _state(db, channel, partly)
    skipped = [r for r in rows if r.status == "cancelled"]
    assert len(skipped) == 1
    assert "has no plan" in skipped[0].last_error
    assert sorted(r.status for r in rows) == ["cancelled", "pending", "pending"]
