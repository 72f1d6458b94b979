"""The suppression list over the API: who may read and change it, adding with a reason (its
contacts unsubscribed, the ledger written), removing where the rules allow (each refusal naming
why), search, pages and the CSV export."""

from __future__ import annotations

import csv
import io

from sqlmodel import select

from campaign_dashboard.models import AuditEntry, Suppression
from campaign_dashboard.services.audience.opt_outs import ProviderSuppressionIn, apply_provider_suppression
from campaign_dashboard.services.events.inbound import InboundSmsIn, apply_inbound_sms
from tests.helpers.api import assert_error
from tests.helpers.consent import ledger

URL = "/api/v1/suppressions"
CONTACTS = "/api/v1/contacts"


def _add(client, headers, address="someone@example.com", channel="email", reason="asked us by phone"):
    return client.post(URL, json={"channel": channel, "address": address, "reason": reason}, headers=headers)


def _remove(client, headers, suppression_id, reason="added by mistake"):
    return client.post(f"{URL}/{suppression_id}/remove", json={"reason": reason}, headers=headers)


def test_a_viewer_reads_and_exports_but_cannot_add_or_remove(client, viewer_headers, marketer_headers):
    row = _add(client, marketer_headers).json()

    assert [s["address"] for s in client.get(URL, headers=viewer_headers).json()["items"]] == ["someone@example.com"]
    assert "someone@example.com" in client.get(f"{URL}/export", headers=viewer_headers).text
    assert_error(_add(client, viewer_headers, "other@example.com"), 403, "forbidden")
    assert_error(_remove(client, viewer_headers, row["id"]), 403, "forbidden")
    assert_error(client.get(URL), 401, "unauthorized")
    assert len(client.get(URL, headers=viewer_headers).json()["items"]) == 1


def test_adding_normalises_the_address_unsubscribes_its_contact_and_writes_the_ledger(client, db, marketer_headers):
    contact = client.post(CONTACTS, json={"phone": "+14155550161"}, headers=marketer_headers).json()

    response = _add(client, marketer_headers, "(415) 555-0161", "sms", "asked at the counter")
    assert response.status_code == 201, response.text
    row = response.json()
    assert (row["channel"], row["address"], row["reason"]) == ("sms", "+14155550161", "asked at the counter")
    assert row["source"].startswith("api: API token ")
    assert client.get(f"{CONTACTS}/{contact['id']}", headers=marketer_headers).json()["sms_status"] == "opted_out"
    with db() as session:
        entry = ledger(session, contact["id"])[-1]
    assert (entry.event, entry.source, entry.address) == ("suppressed", "api", "+14155550161")
    assert entry.evidence == {"reason": "asked at the counter"}

    again = _add(client, marketer_headers, "+1 415 555 0161", "sms", "twice")
    assert again.status_code == 200 and again.json()["id"] == row["id"]
    assert again.json()["reason"] == "asked at the counter"  # the first reason stays


def test_an_address_of_no_contact_is_suppressed_with_one_ledger_row(client, db, marketer_headers):
    row = _add(client, marketer_headers, "Nobody@Example.com").json()
    assert row["address"] == "nobody@example.com"
    with db() as session:
        assert [(e.contact_id, e.event, e.address) for e in ledger(session)] == [
            (None, "suppressed", "nobody@example.com")
        ]


def test_bad_input_is_a_422_naming_the_field(client, marketer_headers):
    cases = [
        ({"channel": "email", "address": "not an address", "reason": "x"}, "address"),
        ({"channel": "sms", "address": "12", "reason": "x"}, "address"),
        ({"channel": "fax", "address": "a@example.com", "reason": "x"}, "channel"),
        ({"channel": "email", "address": "a@example.com", "reason": "  "}, "reason"),
        ({"channel": "email", "address": "a@example.com", "reason": "x" * 51}, "reason"),
        ({"channel": "email", "address": "a@example.com"}, "reason"),
    ]
    for body, field in cases:
        error = assert_error(client.post(URL, json=body, headers=marketer_headers), 422, "validation_failed")
        assert field in {d["field"].rsplit(".", 1)[-1] for d in error["details"]}, (body, error)
    assert client.get(URL, headers=marketer_headers).json()["items"] == []
    error = assert_error(client.get(URL, params={"channel": "fax"}, headers=marketer_headers), 422, "validation_failed")
    assert error["details"][0]["field"] == "channel"
    assert_error(_remove(client, marketer_headers, 999999), 404, "not_found")


def test_a_suppression_added_by_staff_is_removed_with_a_reason_and_the_contact_resubscribed(
    client, db, marketer_headers
):
    contact = client.post(CONTACTS, json={"email": "back@example.com"}, headers=marketer_headers).json()
    row = _add(client, marketer_headers, "back@example.com").json()

    error = assert_error(_remove(client, marketer_headers, row["id"], reason=""), 422, "validation_failed")
    assert error["details"][0]["field"] == "reason"
    response = _remove(client, marketer_headers, row["id"], reason="added to the wrong list")
    assert response.status_code == 200, response.text
    assert client.get(URL, headers=marketer_headers).json()["items"] == []
    assert client.get(f"{CONTACTS}/{contact['id']}", headers=marketer_headers).json()["email_status"] == "subscribed"
    with db() as session:
        entry = ledger(session, contact["id"])[-1]
        audit = [e.action for e in session.exec(select(AuditEntry)).all()]
    assert (entry.event, entry.source, entry.evidence) == ("resubscribed", "api", {"reason": "added to the wrong list"})
    assert "suppression.create" in audit and "suppression.remove" in audit


def test_a_number_that_texted_stop_is_not_removed_and_the_refusal_says_why(client, db, admin_headers):
    with db() as session:
        sms = InboundSmsIn(message_sid="SM-supp-1", from_number="+14155550162", to_number="+15005550006", body="STOP")
        apply_inbound_sms(session=session, sms=sms)
    row = client.get(URL, headers=admin_headers).json()["items"][0]

    error = assert_error(_remove(client, admin_headers, row["id"]), 409, "conflict")
    assert "texted STOP" in error["message"] and "START" in error["message"]
    assert [s["id"] for s in client.get(URL, headers=admin_headers).json()["items"]] == [row["id"]]


def test_a_complaint_and_an_unsubscribe_link_are_lifted_only_by_the_contact(client, db, admin_headers):
    with db() as session:
        session.add(Suppression(channel="email", address="spam@example.com", reason="complaint", source="resend:e1"))
        session.add(Suppression(channel="email", address="link@example.com", reason="x", source="unsubscribe_link"))
    rows = {s["address"]: s["id"] for s in client.get(URL, headers=admin_headers).json()["items"]}

    complaint = assert_error(_remove(client, admin_headers, rows["spam@example.com"]), 409, "conflict")
    assert "spam" in complaint["message"] and "double opt-in" in complaint["message"]
    link = assert_error(_remove(client, admin_headers, rows["link@example.com"]), 409, "conflict")
    assert "unsubscribe" in link["message"] and "Only the contact" in link["message"]


def test_a_hard_bounce_is_lifted_only_by_an_admin_with_a_reason(client, db, admin_headers, marketer_headers):
    contact = client.post(CONTACTS, json={"email": "gone@example.com"}, headers=marketer_headers).json()
    with db() as session:
        event = ProviderSuppressionIn(provider_event_id="evt-supp-1", address="gone@example.com", origin="bounce")
        apply_provider_suppression(session=session, event=event)
    row = client.get(URL, headers=admin_headers).json()["items"][0]

    refused = assert_error(_remove(client, marketer_headers, row["id"]), 409, "conflict")
    assert "admin" in refused["message"] and "hard bounce" in refused["message"]
    error = assert_error(_remove(client, admin_headers, row["id"], reason=" "), 422, "validation_failed")
    assert error["details"][0]["field"] == "reason"
    assert _remove(client, admin_headers, row["id"], reason="the mailbox exists again").status_code == 200
    assert client.get(f"{CONTACTS}/{contact['id']}", headers=admin_headers).json()["email_status"] == "subscribed"
    with db() as session:
        entry = ledger(session, contact["id"])[-1]
    assert (entry.event, entry.evidence) == ("unsuppressed", {"reason": "the mailbox exists again"})


def test_search_channel_filter_and_pages(client, marketer_headers):
    for i in range(3):
        _add(client, marketer_headers, f"shop{i}@example.com")
    _add(client, marketer_headers, "+14155550163", "sms")

    def addresses(**params):
        return [s["address"] for s in client.get(URL, params=params, headers=marketer_headers).json()["items"]]

    assert addresses(search="SHOP") == ["shop2@example.com", "shop1@example.com", "shop0@example.com"]
    assert addresses(channel="sms") == ["+14155550163"]
    assert addresses(search="5550163", channel="email") == []
    first = client.get(URL, params={"limit": 2}, headers=marketer_headers).json()
    rest = client.get(URL, params={"cursor": first["next_cursor"]}, headers=marketer_headers).json()
    assert [s["address"] for s in first["items"] + rest["items"]] == [
        "+14155550163",
        "shop2@example.com",
        "shop1@example.com",
        "shop0@example.com",
    ]
    assert rest["next_cursor"] is None


def test_the_export_is_a_csv_of_the_matching_rows_and_is_audited(client, db, viewer_headers, marketer_headers):
    _add(client, marketer_headers, "a@example.com", reason="=HYPERLINK(1)")
    _add(client, marketer_headers, "+14155550164", "sms", "asked")

    response = client.get(f"{URL}/export", params={"channel": "email"}, headers=viewer_headers)
    assert response.status_code == 200 and response.headers["content-type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.text)))
    assert rows[0] == ["channel", "address", "reason", "source", "created_at"]
    assert [r[:3] for r in rows[1:]] == [["email", "a@example.com", "'=HYPERLINK(1)"]]  # no formula
    assert_error(
        client.get(f"{URL}/export", params={"channel": "fax"}, headers=viewer_headers), 422, "validation_failed"
    )
    with db() as session:
        assert "suppressions.export" in [e.action for e in session.exec(select(AuditEntry)).all()]


def test_a_reason_in_the_systems_own_words_does_not_make_it_a_complaint(client, marketer_headers):
    row = _add(client, marketer_headers, "words@example.com", reason="complaint").json()
    assert row["reason"] == "by hand: complaint"
    assert _remove(client, marketer_headers, row["id"]).status_code == 200
