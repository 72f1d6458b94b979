"""The email and SMS campaign APIs as a script or the dashboard drives them."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from campaign_dashboard.services.channels import campaign_model, recipient_model
from tests.factories import make_contact, make_email_campaign, make_segment, make_sms_campaign
from tests.helpers.api import assert_error

URLS = {"email": "/api/v1/email-campaigns", "sms": "/api/v1/sms-campaigns"}
COUNTERS = (
    "recipients",
    "sent",
    "delivered",
    "failed",
    "opened",
    "unique_opens",
    "clicked",
    "unique_clicks",
    "bounced",
    "complained",
    "unsubscribed",
    "replied",
)


def payload(channel: str, segment: int, **overrides) -> dict:
    if channel == "email":
        data = {
            "name": "Spring sale",
            "subject": "Hi {{ first_name | default('there') }}",
            "from_email": "Shop <news@example.com>",
            "reply_to": None,
            "segment_id": segment,
            "html": "<p>Sale! <a href='{{ unsubscribe_url }}'>unsubscribe</a></p>",
        }
    else:
        data = {
            "name": "Flash SMS",
            "body": "Hi {{ first_name | default('there') }}, 20% off today",
            "from_number": "+14155550100",
            "segment_id": segment,
        }
    data.update(overrides)
    return data


@pytest.fixture
def segment_id(db) -> int:
    with db() as session:
        return make_segment(session).id


def _make(db, channel: str, **fields) -> int:
    with db() as session:
        fields.setdefault("segment_id", make_segment(session).id)
        make = make_email_campaign if channel == "email" else make_sms_campaign
        return make(session, **fields).id


# --- auth ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_missing_or_bad_token_is_401(client, channel):
    url = URLS[channel]
    assert_error(client.get(url), 401, "unauthorized")
    assert_error(client.get(url, headers={"Authorization": "Bearer cdt_wrong"}), 401, "unauthorized")
    assert_error(client.post(f"{url}/1/start"), 401, "unauthorized")


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_a_viewer_can_read_but_not_act(client, db, viewer_headers, channel):
    url = URLS[channel]
    campaign_id = _make(db, channel, status="sending")
    assert client.get(url, headers=viewer_headers).status_code == 200
    assert client.get(f"{url}/{campaign_id}", headers=viewer_headers).status_code == 200
    assert client.get(f"{url}/{campaign_id}/stats", headers=viewer_headers).status_code == 200
    assert client.get(f"{url}/{campaign_id}/recipients", headers=viewer_headers).status_code == 200
    for response in (
        client.post(url, json=payload(channel, 1), headers=viewer_headers),
        client.patch(f"{url}/{campaign_id}", json={"name": "x"}, headers=viewer_headers),
        client.delete(f"{url}/{campaign_id}", headers=viewer_headers),
        client.post(f"{url}/{campaign_id}/pause", headers=viewer_headers),
        client.post(f"{url}/{campaign_id}/cancel", headers=viewer_headers),
        client.post(f"{url}/{campaign_id}/duplicate", headers=viewer_headers),
        client.post(f"{url}/{campaign_id}/archive", headers=viewer_headers),
    ):
        assert_error(response, 403, "forbidden")
    assert client.get(f"{url}/{campaign_id}", headers=viewer_headers).json()["status"] == "sending"


# --- create, read, edit -------------------------------------------------------------------------


def test_create_and_read_an_email_campaign(client, marketer_headers, segment_id):
    response = client.post(URLS["email"], json=payload("email", segment_id), headers=marketer_headers)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["status"] == "draft"
    assert created["allowed_actions"] == ["schedule", "start"]
    assert all(created[c] == 0 for c in COUNTERS)
    assert created["progress"] == 0
    read = client.get(f"{URLS['email']}/{created['id']}", headers=marketer_headers).json()
    assert {k: read[k] for k in ("id", "name", "subject", "from_email", "segment_id", "html")} == {
        "id": created["id"],
        "name": "Spring sale",
        "subject": "Hi {{ first_name | default('there') }}",
        "from_email": "Shop <news@example.com>",
        "segment_id": segment_id,
        "html": "<p>Sale! <a href='{{ unsubscribe_url }}'>unsubscribe</a></p>",
    }


def test_sms_reads_show_encoding_and_segments(client, marketer_headers, segment_id):
    body = "Hi {{ first_name }}! " + "Big sale today " * 12  # ~190 GSM characters
    created = client.post(URLS["sms"], json=payload("sms", segment_id, body=body), headers=marketer_headers).json()
    assert (created["encoding"], created["segments_per_message"]) == ("gsm7", 2)
    emoji = client.patch(f"{URLS['sms']}/{created['id']}", json={"body": "Sale 🎉"}, headers=marketer_headers).json()
    assert (emoji["encoding"], emoji["segments_per_message"]) == ("ucs2", 1)


def test_create_with_a_local_time_and_timezone_schedules_it(client, marketer_headers, segment_id):
    data = payload("email", segment_id, scheduled_at="2099-06-01T09:00:00", timezone="Europe/Lisbon")
    created = client.post(URLS["email"], json=data, headers=marketer_headers).json()
    assert created["status"] == "scheduled"
    assert created["scheduled_at"].startswith("2099-06-01T08:00:00")
    assert created["allowed_actions"] == ["unschedule", "start", "cancel"]


@pytest.mark.parametrize(
    ("channel", "override", "field"),
    [
        ("email", {"from_email": "nobody"}, "from_email"),
        ("email", {"template_id": 5}, "template_id"),
        ("email", {"segment_id": 424242}, "segment_id"),
        ("email", {"html": "<p>{{ first_name }</p>"}, "html"),
        ("email", {"scheduled_at": "2020-01-01T00:00:00Z"}, "scheduled_at"),
        ("sms", {"body": ""}, "body"),
        ("sms", {"from_number": "+1"}, "from_number"),
    ],
)
def test_bad_input_is_422_naming_the_field(client, marketer_headers, segment_id, channel, override, field):
    response = client.post(URLS[channel], json=payload(channel, segment_id, **override), headers=marketer_headers)
    error = assert_error(response, 422, "validation_failed")
    assert error["details"][0]["field"] == field
    assert client.get(URLS[channel], headers=marketer_headers).json()["items"] == []


def test_unknown_fields_are_rejected(client, marketer_headers, segment_id):
    response = client.post(URLS["sms"], json=payload("sms", segment_id, subject="no"), headers=marketer_headers)
    assert_error(response, 422, "validation_failed")


def test_a_broken_template_is_rejected_at_save_with_its_line(client, marketer_headers, segment_id):
    html = "<p>Hello</p>\n<p>\n{% if vip %}VIP</p>"
    error = assert_error(
        client.post(URLS["email"], json=payload("email", segment_id, html=html), headers=marketer_headers),
        422,
        "validation_failed",
    )
    assert error["details"][0]["line"] == 3
    assert "line 3" in error["message"]


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_editing_a_sending_campaign_is_refused(client, db, marketer_headers, channel):
    url = URLS[channel]
    campaign_id = _make(db, channel, status="sending", name="Live")
    error = assert_error(
        client.patch(f"{url}/{campaign_id}", json={"name": "Edited"}, headers=marketer_headers), 409, "conflict"
    )
    assert "frozen" in error["message"]
    assert client.get(f"{url}/{campaign_id}", headers=marketer_headers).json()["name"] == "Live"


def test_editing_a_draft_changes_only_what_was_sent(client, marketer_headers, segment_id):
    created = client.post(URLS["email"], json=payload("email", segment_id), headers=marketer_headers).json()
    edited = client.patch(f"{URLS['email']}/{created['id']}", json={"subject": "New subject"}, headers=marketer_headers)
    assert edited.status_code == 200, edited.text
    assert (edited.json()["subject"], edited.json()["name"]) == ("New subject", "Spring sale")


# --- lifecycle ----------------------------------------------------------------------------------


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_illegal_action_is_409_and_changes_nothing(client, db, marketer_headers, channel):
    url = URLS[channel]
    campaign_id = _make(db, channel, status="sent")
    before = client.get(f"{url}/{campaign_id}", headers=marketer_headers).json()
    for action in ("schedule", "unschedule", "start", "pause", "resume", "cancel"):
        response = client.post(f"{url}/{campaign_id}/{action}", headers=marketer_headers)
        error = assert_error(response, 409, "illegal_transition")
        assert f"Cannot {action} a campaign that is sent" in error["message"]
    assert client.get(f"{url}/{campaign_id}", headers=marketer_headers).json() == before


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_a_campaign_goes_through_its_whole_life(client, db, marketer_headers, channel):
    url = URLS[channel]
    with db() as session:
        segment = make_segment(session)
        for i in range(3):
            make_contact(session, phone=f"+1415555{i:04d}")
    created = client.post(url, json=payload(channel, segment.id), headers=marketer_headers).json()
    cid = created["id"]

    def act(action: str, **body) -> dict:
        response = client.post(f"{url}/{cid}/{action}", json=body or None, headers=marketer_headers)
        assert response.status_code == 200, response.text
        return response.json()

    scheduled = act("schedule", scheduled_at="2099-01-01T12:00:00+02:00")
    assert (scheduled["status"], scheduled["scheduled_at"][:19]) == ("scheduled", "2099-01-01T10:00:00")
    assert act("unschedule")["scheduled_at"] is None
    started = act("start")
    assert (started["status"], started["recipients"]) == ("sending", 3)
    assert started["started_at"] is not None
    assert started["allowed_actions"] == ["pause", "cancel"]
    assert act("pause")["status"] == "paused"
    assert act("resume")["status"] == "sending"
    cancelled = act("cancel")
    assert (cancelled["status"], cancelled["processed"], cancelled["progress"]) == ("cancelled", 3, 1.0)

    recipients = client.get(f"{url}/{cid}/recipients", headers=marketer_headers).json()
    assert len(recipients["items"]) == 3 and recipients["next_cursor"] is None
    row = recipients["items"][0]
    assert set(row) == {
        "id",
        "contact_id",
        "address",
        "status",
        "provider_message_id",
        "attempts",
        "last_error",
        "updated_at",
    }
    assert {r["status"] for r in recipients["items"]} == {"cancelled"}
    stats = client.get(f"{url}/{cid}/stats", headers=marketer_headers).json()
    assert {k: stats[k] for k in ("status", "recipients", "sent", "progress")} == {
        "status": "cancelled",
        "recipients": 3,
        "sent": 0,
        "progress": 1.0,
    }
    assert set(COUNTERS) <= set(stats)


def test_schedule_without_an_offset_or_timezone_is_refused(client, db, marketer_headers):
    cid = _make(db, "email")
    response = client.post(
        f"{URLS['email']}/{cid}/schedule", json={"scheduled_at": "2099-01-01T09:00:00"}, headers=marketer_headers
    )
    assert_error(response, 422, "validation_failed")
    with_zone = client.post(
        f"{URLS['email']}/{cid}/schedule",
        json={"scheduled_at": "2099-01-01T09:00:00", "timezone": "Asia/Tokyo"},
        headers=marketer_headers,
    )
    assert with_zone.json()["scheduled_at"].startswith("2099-01-01T00:00:00")


def test_schedule_without_a_body_uses_the_time_already_on_the_draft(client, db, marketer_headers):
    cid = _make(db, "sms", scheduled_at=datetime(2099, 3, 1, 8, 30, tzinfo=UTC))
    response = client.post(f"{URLS['sms']}/{cid}/schedule", headers=marketer_headers)
    assert response.status_code == 200, response.text
    assert (response.json()["status"], response.json()["scheduled_at"][:19]) == ("scheduled", "2099-03-01T08:30:00")


# --- delete, archive, duplicate -----------------------------------------------------------------


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_deleting_a_sent_campaign_is_refused_but_archiving_works(client, db, marketer_headers, channel):
    url = URLS[channel]
    cid = _make(db, channel, status="sent", sent=12, recipients=12, processed=12)
    error = assert_error(client.delete(f"{url}/{cid}", headers=marketer_headers), 409, "conflict")
    assert "archive" in error["message"]
    archived = client.post(f"{url}/{cid}/archive", headers=marketer_headers)
    assert archived.status_code == 200 and archived.json()["archived_at"] is not None
    assert client.get(url, headers=marketer_headers).json()["items"] == []
    assert [
        c["id"] for c in client.get(url, params={"archived": "true"}, headers=marketer_headers).json()["items"]
    ] == [cid]
    assert client.get(f"{url}/{cid}", headers=marketer_headers).status_code == 200


def test_deleting_a_draft_removes_it(client, db, marketer_headers):
    cid = _make(db, "sms")
    assert client.delete(f"{URLS['sms']}/{cid}", headers=marketer_headers).status_code == 204
    assert_error(client.get(f"{URLS['sms']}/{cid}", headers=marketer_headers), 404, "not_found")
    with db() as session:
        assert session.get(campaign_model("sms"), cid) is None


def test_duplicate_gives_a_new_draft(client, db, marketer_headers):
    cid = _make(db, "email", status="sent", name="Black Friday", sent=3)
    copy = client.post(f"{URLS['email']}/{cid}/duplicate", headers=marketer_headers)
    assert copy.status_code == 201
    assert (copy.json()["name"], copy.json()["status"], copy.json()["sent"]) == ("Copy of Black Friday", "draft", 0)


def test_unknown_campaign_is_404(client, marketer_headers):
    for channel in ("email", "sms"):
        assert_error(client.get(f"{URLS[channel]}/999999", headers=marketer_headers), 404, "not_found")
        assert_error(client.post(f"{URLS[channel]}/999999/start", headers=marketer_headers), 404, "not_found")


# --- lists ----------------------------------------------------------------------------------------


def test_list_filters_by_status_searches_and_pages_newest_first(client, db, viewer_headers):
    with db() as session:
        segment = make_segment(session)
        ids = [
            make_email_campaign(
                session, segment_id=segment.id, name=f"Weekly {i}", status="sent" if i < 3 else "draft"
            ).id
            for i in range(5)
        ]
        make_email_campaign(session, segment_id=segment.id, name="Launch")
    url = URLS["email"]
    first = client.get(url, params={"search": "weekly", "limit": 2}, headers=viewer_headers).json()
    second = client.get(
        url, params={"search": "weekly", "limit": 2, "cursor": first["next_cursor"]}, headers=viewer_headers
    ).json()
    third = client.get(
        url, params={"search": "weekly", "limit": 2, "cursor": second["next_cursor"]}, headers=viewer_headers
    ).json()
    assert [c["id"] for c in first["items"] + second["items"] + third["items"]] == list(reversed(ids))
    assert third["next_cursor"] is None
    sent = client.get(url, params={"status": "sent"}, headers=viewer_headers).json()
    assert [c["id"] for c in sent["items"]] == list(reversed(ids[:3]))
    assert all("allowed_actions" in c for c in sent["items"])
    assert_error(client.get(url, params={"status": "nope"}, headers=viewer_headers), 422, "validation_failed")
    assert client.get(URLS["sms"], headers=viewer_headers).json() == {"items": [], "next_cursor": None}


def test_recipients_filter_by_status(client, db, viewer_headers):
    cid = _make(db, "sms", status="sending")
    with db() as session:
        Recipient = recipient_model("sms")
        session.add(
            Recipient(campaign_id=cid, address="+14155550001", status="sent", provider_message_id="SM1", attempts=1)
        )
        session.add(
            Recipient(
                campaign_id=cid,
                address="+14155550002",
                status="failed",
                attempts=1,
                last_error="21211: invalid 'To' number",
            )
        )
    page = client.get(f"{URLS['sms']}/{cid}/recipients", params={"status": "failed"}, headers=viewer_headers).json()
    assert [(r["address"], r["last_error"]) for r in page["items"]] == [("+14155550002", "21211: invalid 'To' number")]
    everyone = client.get(f"{URLS['sms']}/{cid}/recipients", headers=viewer_headers).json()
    assert [r["address"] for r in everyone["items"]] == ["+14155550001", "+14155550002"]


def test_a_breaker_pause_is_read_with_its_reason_and_a_persons_resume_overrides_it(client, db, marketer_headers):
    from sqlmodel import select

    from campaign_dashboard.models import AuditEntry

    reason = "Paused by the reputation breaker: 26 hard bounces with 80 delivered."
    campaign_id = _make(db, "email", status="paused", status_reason=reason, breaker="tripped")
    read = client.get(f"{URLS['email']}/{campaign_id}", headers=marketer_headers).json()
    assert (read["status_reason"], read["breaker"]) == (reason, "tripped")
    resumed = client.post(f"{URLS['email']}/{campaign_id}/resume", headers=marketer_headers)
    assert resumed.status_code == 200
    assert (resumed.json()["status"], resumed.json()["status_reason"], resumed.json()["breaker"]) == (
        "sending",
        None,
        "overridden",
    )
    with db() as session:
        entry = session.exec(select(AuditEntry).where(AuditEntry.action == "email_campaign.resume")).one()
    assert entry.object_id == str(campaign_id) and entry.actor_token_id is not None  # who resumed
