"""Consent over the API: the ledger listed newest first and paged, refusals that name why (409 /
422), and imports that never resubscribe."""

from __future__ import annotations

from campaign_dashboard.services.audience.opt_outs import ProviderSuppressionIn, apply_provider_suppression
from campaign_dashboard.services.events.inbound import InboundSmsIn, apply_inbound_sms
from tests.helpers.api import assert_error

URL = "/api/v1/contacts"


def test_a_stop_refuses_the_resubscribe_and_the_ledger_says_why(client, db, marketer_headers, viewer_headers):
    contact = client.post(URL, json={"phone": "+14155550187"}, headers=marketer_headers).json()
    with db() as session:
        sms = InboundSmsIn(message_sid="SM-api-stop", from_number="+14155550187", to_number="+15005550006", body="STOP")
        apply_inbound_sms(session=session, sms=sms)

    response = client.post(f"{URL}/{contact['id']}/resubscribe", json={"channel": "sms"}, headers=marketer_headers)
    error = assert_error(response, 409, "conflict")
    assert "texted STOP" in error["message"] and "START" in error["message"]

    first = client.get(f"{URL}/{contact['id']}/consent", params={"limit": 1}, headers=viewer_headers).json()
    assert [(e["event"], e["source"], e["evidence"]["keyword"]) for e in first["items"]] == [
        ("opted_out", "keyword", "STOP")
    ]
    assert first["items"][0]["client_address"] == "+14155550187"
    rest = client.get(
        f"{URL}/{contact['id']}/consent", params={"cursor": first["next_cursor"]}, headers=viewer_headers
    ).json()
    assert [(e["event"], e["source"]) for e in rest["items"]] == [("opted_in", "api")]
    assert rest["items"][0]["source_detail"].startswith("API token ")
    assert rest["next_cursor"] is None


def test_an_admin_lifting_a_hard_bounce_must_give_a_reason(client, db, admin_headers, marketer_headers):
    contact = client.post(URL, json={"email": "gone@example.com"}, headers=marketer_headers).json()
    with db() as session:
        event = ProviderSuppressionIn(provider_event_id="evt-api-1", address="gone@example.com", origin="bounce")
        apply_provider_suppression(session=session, event=event)
    path = f"{URL}/{contact['id']}/resubscribe"

    assert (
        "admin"
        in assert_error(client.post(path, json={"channel": "email"}, headers=marketer_headers), 409, "conflict")[
            "message"
        ]
    )
    error = assert_error(client.post(path, json={"channel": "email"}, headers=admin_headers), 422, "validation_failed")
    assert error["details"][0]["field"] == "reason"
    response = client.post(path, json={"channel": "email", "reason": "the mailbox exists again"}, headers=admin_headers)
    assert response.status_code == 200 and response.json()["email_status"] == "subscribed"


def test_an_import_keeps_unsubscribed_contacts_unsubscribed(client, marketer_headers):
    contact = client.post(URL, json={"email": "no@example.com"}, headers=marketer_headers).json()
    client.post(f"{URL}/{contact['id']}/unsubscribe", json={"channel": "email"}, headers=marketer_headers)
    csv = b"email\nno@example.com\nyes@example.com\n"
    body = client.post(f"{URL}/import", files={"file": ("list.csv", csv)}, headers=marketer_headers).json()
    assert (body["imported"], body["updated"], body["kept_unsubscribed"]) == (1, 1, 1)
    assert client.get(f"{URL}/{contact['id']}", headers=marketer_headers).json()["email_status"] == "unsubscribed"
    entries = client.get(f"{URL}/{contact['id']}/consent", headers=marketer_headers).json()["items"]
    assert [(e["event"], e["source"]) for e in entries] == [("opted_out", "api"), ("opted_in", "api")]


def test_the_consent_list_of_an_unknown_contact_is_404(client, viewer_headers):
    assert_error(client.get(f"{URL}/999999/consent", headers=viewer_headers), 404, "not_found")
