"""The frequency cap through the API: a campaign may ignore it (`ignore_frequency_cap`, a 422
naming the field when it is not a boolean); a started campaign reads how many the cap skipped, and
its recipients list says why each was skipped."""

from __future__ import annotations

import pytest

from campaign_dashboard.models import utcnow
from campaign_dashboard.services.channels import recipient_model
from tests.factories import make_contact, make_email_campaign, make_segment, make_sms_campaign
from tests.helpers.api import assert_error

URLS = {"email": "/api/v1/email-campaigns", "sms": "/api/v1/sms-campaigns"}
BODIES = {
    "email": {"subject": "Hi", "from_email": "news@example.com", "html": "<p>Hi</p>"},
    "sms": {"body": "Hi, 20% off today"},
}


@pytest.mark.parametrize("channel", ["email", "sms"])
def test_a_campaign_may_ignore_the_cap_and_bad_values_are_422_naming_the_field(client, db, marketer_headers, channel):
    with db() as session:
        segment_id = make_segment(session).id
    body = {"name": "Outage notice", "segment_id": segment_id, **BODIES[channel]}

    created = client.post(URLS[channel], json={**body, "ignore_frequency_cap": True}, headers=marketer_headers)
    assert created.status_code == 201, created.text
    assert created.json()["ignore_frequency_cap"] is True and created.json()["frequency_capped"] == 0
    url = f"{URLS[channel]}/{created.json()['id']}"
    assert (
        client.patch(url, json={"ignore_frequency_cap": False}, headers=marketer_headers).json()["ignore_frequency_cap"]
        is False
    )

    for bad in ("maybe", 7, [True]):
        error = assert_error(
            client.patch(url, json={"ignore_frequency_cap": bad}, headers=marketer_headers), 422, "validation_failed"
        )
        assert error["details"][0]["field"] == "ignore_frequency_cap"
        error = assert_error(
            client.post(URLS[channel], json={**body, "ignore_frequency_cap": bad}, headers=marketer_headers),
            422,
            "validation_failed",
        )
        assert error["details"][0]["field"] == "ignore_frequency_cap"
    assert client.get(url, headers=marketer_headers).json()["ignore_frequency_cap"] is False


def test_a_started_campaign_reads_how_many_the_cap_skipped_and_why(client, db, marketer_headers, frequency_cap):
    frequency_cap(1, 1)  # one message per contact per day
    with db() as session:
        segment = make_segment(session, rules=[{"field": "tag", "op": "is", "value": "api-cap"}])
        texted = make_contact(session, tags=["api-cap"], email="texted@example.com", phone="+14155550401")
        make_contact(session, tags=["api-cap"], email="quiet@example.com", phone="+14155550402")
        earlier = make_sms_campaign(session, segment_id=segment.id, status="sent")
        row = recipient_model("sms")(campaign_id=earlier.id, contact_id=texted.id, address=texted.phone, status="sent")
        row.sent_at = utcnow()
        session.add(row)
        session.commit()
        campaign_id = make_email_campaign(session, name="Weekly news", segment_id=segment.id).id
    url = f"{URLS['email']}/{campaign_id}"

    started = client.post(f"{url}/start", headers=marketer_headers)

    assert started.status_code == 200, started.text
    read = client.get(url, headers=marketer_headers).json()
    assert (read["recipients"], read["frequency_capped"], read["processed"]) == (2, 1, 1)
    skipped = client.get(f"{url}/recipients", params={"status": "cancelled"}, headers=marketer_headers).json()
    assert [(r["address"], r["last_error"]) for r in skipped["items"]] == [
        ("texted@example.com", "Skipped: frequency cap: 1 message in the last day.")
    ]
