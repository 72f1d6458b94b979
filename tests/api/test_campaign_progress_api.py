"""GET …/{id}/progress: a script watching a send learns what the campaign page says, why it is
not moving and when it should be done, with times as ISO-8601 UTC."""

from __future__ import annotations

from datetime import datetime, timedelta

from campaign_dashboard.models import SmsCampaignRecipient, utcnow
from campaign_dashboard.services.operations import workers
from campaign_dashboard.services.sending.throttle import QUIET_HOURS_NOTE
from tests.factories import make_email_campaign, make_sms_campaign
from tests.helpers.api import assert_error


def test_an_sms_campaign_waiting_for_quiet_hours_says_so_with_the_next_window(client, db, viewer_headers):
    window = (utcnow() + timedelta(hours=5)).replace(microsecond=0)
    with db() as session:
        now = utcnow()
        workers.beat(session, worker_id="w", hostname="h", pid=1, started_at=now, now=now)
        campaign = make_sms_campaign(session, status="sending", recipients=3)
        for i in range(3):
            session.add(
                SmsCampaignRecipient(
                    campaign_id=campaign.id,
                    address=f"+1415555010{i}",
                    not_before=window,
                    attempts=1,
                    last_error=f"{QUIET_HOURS_NOTE}{window.isoformat()}",
                )
            )
        session.commit()
        campaign_id = campaign.id

    response = client.get(f"/api/v1/sms-campaigns/{campaign_id}/progress", headers=viewer_headers)

    assert response.status_code == 200, response.text
    body = response.json()
    assert {k: body[k] for k in ("status", "remaining", "ready", "waiting_quiet_hours", "retrying")} == {
        "status": "sending",
        "remaining": 3,
        "ready": 0,
        "waiting_quiet_hours": 3,
        "retrying": 0,
    }
    assert datetime.fromisoformat(body["next_window"]) == window
    assert datetime.fromisoformat(body["eta"]) == window + timedelta(seconds=3)  # one a second
    [reason] = body["reasons"]
    assert reason["kind"] == "quiet_hours" and reason["word"] == "quiet hours"
    assert reason["message"].startswith("3 recipients are waiting for their quiet hours to end")
    assert reason["sentence"].endswith(f"Next window opens {window:%Y-%m-%d %H:%M} UTC.")


def test_an_email_campaign_with_no_worker_has_no_eta(client, db, marketer_headers):
    with db() as session:
        campaign_id = make_email_campaign(session, status="sending").id
    body = client.get(f"/api/v1/email-campaigns/{campaign_id}/progress", headers=marketer_headers).json()
    assert [r["kind"] for r in body["reasons"]] == ["no_worker"]
    assert body["reasons"][0]["message"].startswith("No worker is running")
    assert body["eta"] is None


def test_an_unknown_campaign_is_404_and_a_missing_token_401(client, viewer_headers):
    error = assert_error(client.get("/api/v1/sms-campaigns/999999/progress", headers=viewer_headers), 404, "not_found")
    assert error["message"] == "SMS campaign 999999 does not exist."
    assert_error(client.get("/api/v1/sms-campaigns/1/progress"), 401, "unauthorized")
