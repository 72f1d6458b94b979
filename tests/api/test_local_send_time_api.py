"""Send at a local time through the API: `local_send_time` (HH:MM) and `local_time_zone` (for
contacts without one) on create and patch, 422 naming the field for a bad one and nothing
changed; a started campaign's progress counts who waits for their send time."""

from __future__ import annotations

from datetime import timedelta

import pytest

from campaign_dashboard.models import utcnow
from tests.factories import make_contact, make_segment
from tests.helpers.api import assert_error

URLS = {"email": "/api/v1/email-campaigns", "sms": "/api/v1/sms-campaigns"}
BODIES = {
    "email": {"subject": "Hi", "from_email": "news@example.com", "html": "<p>Hi</p>"},
    "sms": {"body": "Hi, 20% off today"},
}


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_a_local_send_time_is_stored_and_bad_values_are_422_naming_the_field(client, db, marketer_headers, channel):
    with db() as session:
        segment_id = make_segment(session).id
    body = {"name": "Morning news", "segment_id": segment_id, **BODIES[channel]}

    created = client.post(URLS[channel], json={**body, "local_send_time": "09:00"}, headers=marketer_headers)
    assert created.status_code == 201, created.text
    assert (created.json()["local_send_time"], created.json()["local_time_zone"]) == ("09:00", "UTC")
    url = f"{URLS[channel]}/{created.json()['id']}"
    patched = client.patch(url, json={"local_time_zone": "Asia/Tokyo"}, headers=marketer_headers)
    assert patched.json()["local_time_zone"] == "Asia/Tokyo"

    for field, bad in (("local_send_time", "9am"), ("local_send_time", "25:00"), ("local_time_zone", "Mars/Olympus")):
        error = assert_error(client.patch(url, json={field: bad}, headers=marketer_headers), 422, "validation_failed")
        assert error["details"][0]["field"] == field
        error = assert_error(
            client.post(URLS[channel], json={**body, field: bad}, headers=marketer_headers), 422, "validation_failed"
        )
        assert error["details"][0]["field"] == field
    stored = client.get(url, headers=marketer_headers).json()
    assert (stored["local_send_time"], stored["local_time_zone"]) == ("09:00", "Asia/Tokyo")  # nothing changed

    cleared = client.patch(url, json={"local_send_time": None}, headers=marketer_headers).json()
    assert cleared["local_send_time"] is None


def test_a_started_campaign_says_how_many_wait_for_their_local_send_time(client, db, marketer_headers):
    with db() as session:
        segment_id = make_segment(session, rules=[], match="all").id
        for i in range(3):
            make_contact(session, email=f"morning{i}@example.com", timezone="UTC")
        session.commit()
    at = (utcnow() + timedelta(hours=2)).strftime("%H:%M")
    body = {"name": "Later", "segment_id": segment_id, **BODIES["email"], "local_send_time": at}
    campaign = client.post(URLS["email"], json=body, headers=marketer_headers).json()
    url = f"{URLS['email']}/{campaign['id']}"
    assert client.post(f"{url}/start", headers=marketer_headers).status_code == 200

    progress = client.get(f"{url}/progress", headers=marketer_headers).json()
    assert (progress["waiting_send_time"], progress["ready"], progress["waiting_quiet_hours"]) == (3, 0, 0)
    assert progress["next_send_time"] == progress["last_send_time"]
    assert [r["kind"] for r in progress["reasons"] if r["kind"] == "send_time"] == ["send_time"]
