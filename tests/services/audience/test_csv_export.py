"""CSV export: the filtered contacts, every field, attributes as columns, formulas defused."""

from __future__ import annotations

import csv
import io

from campaign_dashboard.services.audience.contact_search import ContactFilter
from campaign_dashboard.services.audience.csv_export import contacts_csv, escape_cell, export_contacts
from campaign_dashboard.services.audience.csv_import import import_contacts_csv
from tests.factories import make_contact
from tests.helpers.consent import IMPORT


def read(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_cells_a_spreadsheet_would_run_as_formulas_get_a_leading_quote():
    for dangerous in ("=1+1", "+1415", "-2", "@SUM(A1)", "\tx", "\rx"):
        assert escape_cell(dangerous) == "'" + dangerous
    for safe in ("plain", "a=b", "", "'quoted", " =spaced"):
        assert escape_cell(safe) == safe
    assert escape_cell(None) == ""
    assert escape_cell(42) == "42"


def test_every_contact_is_exported_with_tags_statuses_and_attribute_columns(session):
    ada = make_contact(
        session,
        email="ada@example.com",
        first_name="Ada",
        last_name="Lovelace",
        phone="+14155552671",
        tags=["vip", "beta"],
        attributes={"plan": "pro"},
    )
    bob = make_contact(
        session, email="bob@example.com", first_name="Bob", email_status="unsubscribed", attributes={"city": "Oslo"}
    )

    rows = read(contacts_csv(session=session))

    assert [r["email"] for r in rows] == ["ada@example.com", "bob@example.com"]
    assert list(rows[0]) == [
        "id",
        "email",
        "phone",
        "first_name",
        "last_name",
        "timezone",
        "tags",
        "email_status",
        "sms_status",
        "created_at",
        "attributes.city",
        "attributes.plan",
    ]
    assert rows[0]["id"] == str(ada.id)
    assert rows[0]["phone"] == "'+14155552671"
    assert rows[0]["tags"] == "beta;vip"
    assert (rows[0]["attributes.plan"], rows[0]["attributes.city"]) == ("pro", "")
    assert (rows[1]["id"], rows[1]["email_status"], rows[1]["attributes.city"]) == (str(bob.id), "unsubscribed", "Oslo")


def test_formula_injection_in_names_and_attributes_is_escaped(session):
    make_contact(
        session,
        email="evil@example.com",
        first_name='=HYPERLINK("http://x","click")',
        last_name="@cmd",
        attributes={"note": "-2+3", "safe": "a=b"},
    )

    row = read(contacts_csv(session=session))[0]

    assert row["first_name"] == '\'=HYPERLINK("http://x","click")'
    assert row["last_name"] == "'@cmd"
    assert row["attributes.note"] == "'-2+3"
    assert row["attributes.safe"] == "a=b"


def test_the_export_respects_the_filters(session):
    make_contact(session, email="vip1@example.com", first_name="Vera", tags=["vip"])
    make_contact(session, email="vip2@example.com", first_name="Victor", tags=["vip"], sms_status="opted_out")
    make_contact(session, email="plain@example.com", first_name="Vanessa")

    assert [r["email"] for r in read(contacts_csv(session=session, filters=ContactFilter(tag="vip")))] == [
        "vip1@example.com",
        "vip2@example.com",
    ]
    only = read(contacts_csv(session=session, filters=ContactFilter(tag="vip", sms_status="opted_out")))
    assert [r["email"] for r in only] == ["vip2@example.com"]
    assert read(contacts_csv(session=session, filters=ContactFilter(search="nobody"))) == []


def test_a_large_export_is_streamed_in_chunks(session):
    for i in range(25):
        make_contact(session, email=f"c{i:02d}@example.com")

    pieces = list(export_contacts(session=session, chunk_size=10))

    assert len(pieces) == 4  # header, then 10 + 10 + 5 contacts
    assert [len(read(pieces[0] + piece)) for piece in pieces[1:]] == [10, 10, 5]
    assert [r["email"] for r in read("".join(pieces))] == [f"c{i:02d}@example.com" for i in range(25)]


def test_an_export_imports_back_unchanged(session):
    make_contact(
        session,
        email="ada@example.com",
        first_name="-Ada",
        phone="+14155552671",
        tags=["vip"],
        attributes={"plan": "pro"},
    )
    exported = contacts_csv(session=session)

    result = import_contacts_csv(session=session, data=exported.encode(), source=IMPORT)

    assert (result.imported, result.updated, result.rejected) == (0, 1, 0), result.errors
    assert read(contacts_csv(session=session)) == read(exported)
