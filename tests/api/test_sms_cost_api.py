"""What an SMS campaign will cost, as its reads show it: encoding, characters, segments per
message, and audience x segments x SMS_PRICE_PER_SEGMENT."""

from __future__ import annotations

from decimal import Decimal

import pytest

from campaign_dashboard.config import get_settings
from campaign_dashboard.models import Suppression
from tests.factories import make_contact, make_segment, make_sms_campaign

URL = "/api/v1/sms-campaigns"
VIP = [{"field": "tag", "op": "is", "value": "vip"}]


@pytest.fixture
def vip_segment(db) -> int:
    """Five VIPs, three of whom can get a text: one opted out, one suppressed, one without a number;
    and a non-VIP who does not count."""
    with db() as session:
        for n in range(3):
            make_contact(session, tags=["vip"], phone=f"+1415555010{n}")
        make_contact(session, tags=["vip"], phone="+14155550110", sms_status="opted_out")
        make_contact(session, tags=["vip"], phone="+14155550111")
        session.add(Suppression(channel="sms", address="+14155550111", reason="stop"))
        make_contact(session, tags=["vip"])  # email only
        make_contact(session, tags=["regular"], phone="+14155550120")
        return make_segment(session, rules=VIP).id


def _create(client, headers, segment_id, body):
    response = client.post(URL, json={"name": "Flash", "body": body, "segment_id": segment_id}, headers=headers)
    assert response.status_code == 201, response.text
    return response.json()


def test_a_draft_shows_the_cost_for_its_segments_current_audience(client, marketer_headers, vip_segment):
    body = "Flash sale, 20% off! " * 8 + "Ends at midnight."  # 185 GSM-7 characters: 2 segments
    created = _create(client, marketer_headers, vip_segment, body)

    read = client.get(f"{URL}/{created['id']}", headers=marketer_headers).json()

    assert (read["encoding"], read["characters"], read["segments_per_message"]) == ("gsm7", 185, 2)
    assert read["audience"] == 3
    assert read["price_per_segment"] == 0.0079 and read["currency"] == "USD"
    assert read["estimated_cost"] == pytest.approx(3 * 2 * 0.0079)
    assert created["estimated_cost"] == read["estimated_cost"]  # the create answer shows it too


def test_one_emoji_switches_to_ucs2_and_the_estimate_follows(client, marketer_headers, vip_segment):
    created = _create(client, marketer_headers, vip_segment, "Sale today!" * 7)  # 77 GSM-7 characters
    assert (created["encoding"], created["segments_per_message"]) == ("gsm7", 1)

    changed = client.patch(
        f"{URL}/{created['id']}", json={"body": "Sale today!" * 7 + "🎉"}, headers=marketer_headers
    ).json()

    assert changed["encoding"] == "ucs2"
    assert changed["characters"] == 79  # the emoji takes two UTF-16 units
    assert changed["segments_per_message"] == 2  # over 70: parts of 67
    assert changed["estimated_cost"] == pytest.approx(3 * 2 * 0.0079)


def test_the_price_per_segment_comes_from_the_settings(client, marketer_headers, vip_segment, monkeypatch):
    monkeypatch.setenv("SMS_PRICE_PER_SEGMENT", "0.05")
    monkeypatch.setenv("SMS_PRICE_CURRENCY", "EUR")
    get_settings.cache_clear()
    created = _create(client, marketer_headers, vip_segment, "Hi there")

    read = client.get(f"{URL}/{created['id']}", headers=marketer_headers).json()

    assert (read["price_per_segment"], read["currency"]) == (0.05, "EUR")
    assert Decimal(str(read["estimated_cost"])) == Decimal("0.15")


def test_a_started_campaign_costs_what_its_recipients_cost_not_the_segment_now(client, viewer_headers, db, vip_segment):
    with db() as session:
        cid = make_sms_campaign(session, body="Hi", segment_id=vip_segment, status="sent", recipients=2).id
        make_contact(session, tags=["vip"], phone="+14155550199")  # joined after the send

    read = client.get(f"{URL}/{cid}", headers=viewer_headers).json()

    assert read["audience"] == 2
    assert read["estimated_cost"] == pytest.approx(2 * 0.0079)


def test_a_draft_whose_segment_was_deleted_has_no_estimate(client, marketer_headers, vip_segment):
    created = _create(client, marketer_headers, vip_segment, "Hi")
    assert client.delete(f"/api/v1/segments/{vip_segment}", headers=marketer_headers).status_code == 204

    read = client.get(f"{URL}/{created['id']}", headers=marketer_headers).json()

    assert (read["segment_id"], read["audience"], read["estimated_cost"]) == (None, None, None)
    assert read["segments_per_message"] == 1


def test_lists_show_the_estimate_only_once_the_audience_is_known(client, viewer_headers, db, vip_segment):
    with db() as session:
        draft = make_sms_campaign(session, body="Hi", segment_id=vip_segment).id
        sent = make_sms_campaign(session, body="Hi", segment_id=vip_segment, status="sent", recipients=4).id

    items = {c["id"]: c for c in client.get(URL, headers=viewer_headers).json()["items"]}

    assert (items[draft]["audience"], items[draft]["estimated_cost"]) == (None, None)
    assert items[sent]["audience"] == 4 and items[sent]["estimated_cost"] == pytest.approx(4 * 0.0079)
