"""A/B tests through the API: marketers and admins set one on a draft and pick the winner; viewers
read it; bad settings are a 422 naming the field and change nothing; after the start the test is
frozen (409) and the winner is picked once."""

from __future__ import annotations

import pytest

from campaign_dashboard.models import SegmentContact
from tests.factories import make_contact, make_email_campaign, make_segment, make_sms_campaign, random_phone
from tests.helpers.api import assert_error

URLS = {"email": "/api/v1/email-campaigns", "sms": "/api/v1/sms-campaigns"}
EMAIL_TEST = {
    "variants": [{"subject": "Spring is here"}, {"subject": "20% off today", "from_name": "Ana at Shop"}],
    "test_share": 40,
    "metric": "open_rate",
    "wait_minutes": 120,
}


def _campaign(db, channel: str = "email", contacts: int = 10) -> int:
    with db() as session:
        segment = make_segment(session, kind="static")
        for _ in range(contacts):
            contact = make_contact(session, phone=random_phone())
            session.add(SegmentContact(segment_id=segment.id, contact_id=contact.id))
        session.commit()
        make = make_email_campaign if channel == "email" else make_sms_campaign
        return make(session, segment_id=segment.id).id


def test_a_marketer_sets_a_test_and_a_viewer_reads_it_but_cannot_change_it(
    client, db, marketer_headers, viewer_headers
):
    campaign_id = _campaign(db)
    url = f"{URLS['email']}/{campaign_id}/ab-test"
    assert_error(client.get(url, headers=viewer_headers), 404, "not_found")
    response = client.put(url, json=EMAIL_TEST, headers=marketer_headers)
    assert response.status_code == 200, response.text
    shown = client.get(url, headers=viewer_headers).json()
    assert [(v["label"], v["subject"], v.get("from_name")) for v in shown["variants"]] == [
        ("A", "Spring is here", None),
        ("B", "20% off today", "Ana at Shop"),
    ]
    assert (shown["test_share"], shown["metric_label"], shown["wait_minutes"], shown["winner"]) == (
        40,
        "open rate",
        120,
        None,
    )
    assert_error(client.put(url, json={**EMAIL_TEST, "test_share": 10}, headers=viewer_headers), 403, "forbidden")
    assert_error(client.post(f"{url}/decide", headers=viewer_headers), 403, "forbidden")
    assert_error(client.delete(url, headers=viewer_headers), 403, "forbidden")
    assert client.get(url, headers=viewer_headers).json()["test_share"] == 40


@pytest.mark.parametrize(
    ("channel", "change", "field"),
    [
        ("email", {"variants": [{"subject": "Alone"}]}, "variants"),
        ("email", {"variants": [{"subject": f"S{i}"} for i in range(5)]}, "variants"),
        ("email", {"test_share": 0}, "test_share"),
        ("email", {"test_share": 100}, "test_share"),
        ("email", {"metric": "revenue"}, "metric"),
        ("email", {"wait_minutes": -1}, "wait_minutes"),
        ("email", {"wait_minutes": 100_000}, "wait_minutes"),
        ("email", {"variants": [{"subject": "A"}, {"body": "an SMS"}]}, "variants.1.body"),
        ("email", {"variants": [{"subject": "A"}, {"subject": "B", "colour": "red"}]}, "variants.1.colour"),
        ("sms", {"variants": [{"body": "A"}, {"subject": "an email"}], "metric": "reply_rate"}, "variants.1.subject"),
        ("sms", {"variants": [{"body": "A"}, {"body": "B"}], "metric": "open_rate"}, "metric"),
    ],
)
def test_bad_settings_are_422_naming_the_field_and_change_nothing(client, db, marketer_headers, channel, change, field):
    campaign_id = _campaign(db, channel)
    url = f"{URLS[channel]}/{campaign_id}/ab-test"
    error = assert_error(
        client.put(url, json={**EMAIL_TEST, **change}, headers=marketer_headers), 422, "validation_failed"
    )
    assert field in {d["field"] for d in error["details"]}
    assert_error(client.get(url, headers=marketer_headers), 404, "not_found")


def test_after_the_start_the_test_is_frozen_and_the_winner_is_picked_once(client, db, marketer_headers, viewer_headers):
    campaign_id = _campaign(db, contacts=10)
    base = f"{URLS['email']}/{campaign_id}"
    assert client.put(f"{base}/ab-test", json=EMAIL_TEST, headers=marketer_headers).status_code == 200
    assert_error(client.post(f"{base}/ab-test/decide", headers=marketer_headers), 409, "conflict")  # not started
    assert client.post(f"{base}/start", headers=marketer_headers).status_code == 200

    shown = client.get(f"{base}/ab-test", headers=viewer_headers).json()
    assert [v["numbers"]["recipients"] for v in shown["variants"]] == [2, 2]  # 40 % of 10, split evenly
    assert shown["remainder"]["recipients"] == 6
    assert_error(client.put(f"{base}/ab-test", json=EMAIL_TEST, headers=marketer_headers), 409, "conflict")
    assert_error(client.delete(f"{base}/ab-test", headers=marketer_headers), 409, "conflict")

    decided = client.post(f"{base}/ab-test/decide", headers=marketer_headers)
    assert decided.status_code == 200, decided.text
    decision = decided.json()["decision"]
    assert decision["summary"].startswith("No clear winner: nothing was measured")
    assert (decision["winner"], decision["significant"], decided.json()["winner_label"]) == (0, False, "A")
    assert decision["by"].startswith("API token ")
    assert [v["sent"] for v in decision["variants"]] == [0, 0]
    assert_error(client.post(f"{base}/ab-test/decide", headers=marketer_headers), 409, "conflict")
    assert client.get(f"{base}/ab-test", headers=viewer_headers).json()["decided_at"] is not None


def test_a_draft_drops_its_test(client, db, marketer_headers):
    campaign_id = _campaign(db)
    url = f"{URLS['email']}/{campaign_id}/ab-test"
    client.put(url, json=EMAIL_TEST, headers=marketer_headers)
    assert client.delete(url, headers=marketer_headers).status_code == 204
    assert_error(client.get(url, headers=marketer_headers), 404, "not_found")


def test_a_variant_that_would_break_for_the_audience_refuses_the_start(client, db, marketer_headers):
    campaign_id = _campaign(db)
    base = f"{URLS['email']}/{campaign_id}"
    variants = [{"subject": "Spring is here"}, {"subject": "{{ coupon_code }} is yours"}]
    assert client.put(f"{base}/ab-test", json={**EMAIL_TEST, "variants": variants}, headers=marketer_headers).is_success
    error = assert_error(client.post(f"{base}/start", headers=marketer_headers), 422, "validation_failed")
    assert error["message"].startswith("Variant B: ")
    assert {d["field"] for d in error["details"]} == {"variants.1.subject"}
    assert client.get(base, headers=marketer_headers).json()["status"] == "draft"
