"""CSV import: good rows land, bad rows are reported by line number, bad files change nothing."""

from __future__ import annotations

import time

import pytest
from sqlmodel import func, select

from campaign_dashboard.models import Contact, ContactTag
from campaign_dashboard.services.audience import contacts
from campaign_dashboard.services.audience.csv_import import import_contacts_csv
from campaign_dashboard.services.errors import ValidationFailed
from tests.factories import make_contact
from tests.helpers.consent import IMPORT


def run(session, text: str | bytes, **kwargs):
    data = text.encode() if isinstance(text, str) else text
    return import_contacts_csv(session=session, data=data, source=IMPORT, **kwargs)


def all_contacts(session) -> dict[str, Contact]:
    session.expire_all()
    return {c.email or c.phone: c for c in session.exec(select(Contact)).all()}


def tags(session, contact: Contact) -> list[str]:
    return contacts.tags_of(session=session, contact_ids=[contact.id])[contact.id]


def test_good_rows_are_imported_with_tags_and_attributes(session):
    result = run(
        session,
        "email,phone,first_name,last_name,timezone,tags,plan,City\n"
        "Ada@Example.com,(415) 555-2671,Ada,Lovelace,Europe/London,vip;beta,pro,London\n"
        "grace@example.com,,Grace,Hopper,,customers|vip,,\n"
        ",+14155550100,,,,,,\n",
    )

    assert (result.imported, result.updated, result.rejected, result.errors) == (3, 0, 0, [])
    people = all_contacts(session)
    ada = people["ada@example.com"]
    assert ada.phone == "+14155552671"
    assert (ada.first_name, ada.last_name, ada.timezone) == ("Ada", "Lovelace", "Europe/London")
    assert ada.attributes == {"plan": "pro", "City": "London"}
    assert tags(session, ada) == ["beta", "vip"]
    assert people["grace@example.com"].timezone == "UTC"
    assert people["grace@example.com"].attributes == {}
    assert tags(session, people["grace@example.com"]) == ["customers", "vip"]
    assert people["+14155550100"].email is None


def test_bad_rows_are_rejected_with_their_line_number_and_reason(session):
    result = run(
        session,
        "email,phone,first_name\n"  # line 1
        "ok@example.com,,Ok\n"  # 2
        "not-an-email,,Bad\n"  # 3
        "phoneless@example.com,12,Bad phone\n"  # 4
        "\n"  # 5: blank lines are skipped, but still count as lines
        ",,Nobody\n"  # 6
        "OK@example.com,,Again\n"  # 7
        "short@example.com\n"  # 8
        '"multi\nline@example.com",,Broken\n'  # 9-10
        "last@example.com,,Last\n",  # 11
    )

    assert (result.imported, result.updated, result.rejected) == (2, 0, 6)
    reasons = {e["row"]: e["reason"] for e in result.errors}
    assert sorted(reasons) == [3, 4, 6, 7, 8, 9]
    assert "not a valid email" in reasons[3]
    assert "not a valid phone" in reasons[4]
    assert "neither an email nor a phone" in reasons[6]
    assert reasons[7] == "duplicate of row 2 (same email ok@example.com)"
    assert reasons[8] == "expected 3 columns, found 1"
    assert set(all_contacts(session)) == {"ok@example.com", "last@example.com"}


def test_existing_contacts_are_updated_attributes_merged_and_tags_added(session):
    existing = make_contact(
        session,
        email="sam@example.com",
        first_name="Sam",
        last_name="Old",
        attributes={"plan": "free", "age": 30},
        tags=["old"],
    )

    result = run(
        session,
        "EMAIL,Last Name,Tags,plan,source\nSAM@example.com,New,new;old,pro,fair\nfresh@example.com,,,,\n",
    )

    assert (result.imported, result.updated, result.rejected) == (1, 1, 0)
    sam = all_contacts(session)["sam@example.com"]
    assert sam.id == existing.id
    assert (sam.first_name, sam.last_name) == ("Sam", "New")  # empty cells change nothing
    assert sam.attributes == {"plan": "pro", "age": 30, "source": "fair"}
    assert tags(session, sam) == ["new", "old"]


def test_importing_the_same_file_twice_updates_instead_of_duplicating(session):
    text = "email,phone,tags\na@example.com,,x\n,+14155550100,y\n"
    first = run(session, text)
    second = run(session, text)
    assert (first.imported, first.updated) == (2, 0)
    assert (second.imported, second.updated) == (0, 2)
    assert session.scalar(select(func.count()).select_from(Contact)) == 2
    assert session.scalar(select(func.count()).select_from(ContactTag)) == 2


def test_utf8_with_bom_and_semicolon_delimiter_are_accepted(session):
    data = "\ufeffemail;first_name;tags\nzoe@example.com;Zoë;a|b\n".encode()
    result = run(session, data)
    assert result.imported == 1
    zoe = all_contacts(session)["zoe@example.com"]
    assert zoe.first_name == "Zoë"
    assert tags(session, zoe) == ["a", "b"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            "email,first_name\nzoe@example.com,Zoë\n".encode("cp1252"),
            "not UTF-8 encoded (byte 0xeb at position 35, line 2): it looks like Windows-1252",
        ),
        ("email\nzoe@example.com\n".encode("utf-16"), "UTF-16"),
        (b"", "empty"),
        (b"\xef\xbb\xbf\n\n  \n", "empty"),
        ("ada@example.com,Ada\ngrace@example.com,Grace\n", "looks like a contact, not a header"),
        ("name,city\nAda,London\n", "no email or phone column (found 'name', 'city')"),
        ("email,Email\na@example.com,b@example.com\n", "appears twice"),
    ],
    ids=["cp1252", "utf16", "empty", "bom-only", "no-header", "no-address-column", "duplicate-column"],
)
def test_a_bad_file_is_refused_whole_and_changes_nothing(session, data, message):
    make_contact(session, email="keep@example.com", first_name="Keep")
    data = data.encode() if isinstance(data, str) else data

    with pytest.raises(ValidationFailed) as exc:
        run(session, data)

    assert message in exc.value.message
    assert exc.value.details[0]["field"] == "file"
    people = all_contacts(session)
    assert list(people) == ["keep@example.com"]
    assert people["keep@example.com"].first_name == "Keep"


def test_a_large_file_is_imported_in_chunks_with_progress(session):
    make_contact(session, email="person00007@example.com", first_name="Before")
    lines = ["email,phone,first_name,tags,score"]
    for i in range(20_000):
        lines.append(f"person{i:05d}@example.com,+1415555{i % 10_000:04d},P{i},t{i % 3};all,{i}")
    lines.append("broken-address,,X,,")
    calls: list[tuple[int, int]] = []

    started = time.monotonic()
    result = run(session, "\n".join(lines) + "\n", progress=lambda done, total: calls.append((done, total)))
    elapsed = time.monotonic() - started

    assert (result.imported, result.updated, result.rejected) == (19_999, 1, 1), result.errors[:3]
    assert result.errors[0]["row"] == 20_002
    assert calls[0] == (0, 20_001)
    assert calls[-1] == (20_001, 20_001)
    assert len(calls) == 22  # start + one per chunk of 1000
    assert session.scalar(select(func.count()).select_from(Contact)) == 20_000
    assert session.scalar(select(func.count()).select_from(ContactTag)) == 40_000
    assert all_contacts(session)["person00007@example.com"].first_name == "P7"
    assert elapsed < 60, f"import took {elapsed:.1f}s"


def test_the_error_report_lists_each_rejected_row_with_its_line_reason_and_cells(session):
    import csv
    import io

    from campaign_dashboard.services.audience.csv_import import error_report_csv

    result = run(
        session,
        "email,first_name,note\n"
        "ok@example.com,Ok,fine\n"
        'not-an-email,Bad,=HYPERLINK("x")\n'
        "ok@example.com,Again,\n"
        "short@example.com\n",
    )

    rows = list(csv.reader(io.StringIO(error_report_csv(result))))
    assert rows[0] == ["line", "reason", "email", "first_name", "note"]
    assert rows[1][:2] == ["3", rows[1][1]] and "not a valid email" in rows[1][1]
    assert rows[1][2:] == ["not-an-email", "Bad", '\'=HYPERLINK("x")']
    assert rows[2] == ["4", "duplicate of row 2 (same email ok@example.com)", "ok@example.com", "Again", ""]
    assert rows[3] == ["5", "expected 3 columns, found 1", "short@example.com"]
    assert len(rows) == 4


def test_the_fixed_error_report_imported_again_keeps_its_line_and_reason_out_of_the_contacts(session):
    from campaign_dashboard.services.audience.csv_import import error_report_csv

    first = run(session, "email,first_name,note\nnot-an-email,Bo,vip\n")
    fixed = error_report_csv(first).replace("not-an-email", "bo@example.com")
    again = run(session, fixed)
    assert (again.imported, again.errors) == (1, [])
    bo = all_contacts(session)["bo@example.com"]
    assert (bo.first_name, bo.attributes) == ("Bo", {"note": "vip"})


def test_a_reason_column_of_the_users_own_is_kept_as_an_attribute(session):
    run(session, "email,reason\nal@example.com,referral\n")
    assert all_contacts(session)["al@example.com"].attributes == {"reason": "referral"}


def test_cells_quoted_against_formulas_by_our_export_are_read_back_without_the_quote(session):
    result = run(session, "email,phone,first_name\nada@example.com,'+14155552671,'=Ada\n")
    assert (result.imported, result.rejected) == (1, 0), result.errors
    ada = all_contacts(session)["ada@example.com"]
    assert (ada.phone, ada.first_name) == ("+14155552671", "=Ada")


def test_status_and_id_columns_of_an_export_neither_resubscribe_nor_become_attributes(session):
    gone = make_contact(session, email="gone@example.com", email_status="unsubscribed")
    result = run(session, f"id,email,email_status,created_at\n{gone.id + 100},gone@example.com,subscribed,2020-01-01\n")
    assert (result.imported, result.updated) == (0, 1)
    gone = all_contacts(session)["gone@example.com"]
    assert (gone.email_status, gone.attributes) == ("unsubscribed", {})


def test_a_file_with_many_bad_rows_lists_the_first_thousand_and_counts_them_all(session):
    from campaign_dashboard.services.audience.csv_import import MAX_LISTED_ERRORS, error_report_csv

    data = "email\n" + "".join(f"bad-{i}\n" for i in range(1500)) + "ok@example.com\n"
    result = run(session, data)

    assert (result.imported, result.rejected, len(result.errors), result.unlisted) == (1, 1500, 1000, 500)
    assert MAX_LISTED_ERRORS == 1000 and result.errors[-1]["row"] == 1001
    assert error_report_csv(result).splitlines()[-1].startswith(",500 more rejected rows are not listed")


def test_a_bad_byte_deep_in_a_large_file_is_found_by_position_and_line(session):
    good = b"email,first_name\n" + b"someone@example.com,Ann\n" * 100_000  # 2.4 MB, past one read block
    data = good + b"zoe@example.com,Zo\xeb\n"

    with pytest.raises(ValidationFailed) as exc:
        run(session, data)

    position = len(good) + len(b"zoe@example.com,Zo")
    assert f"(byte 0xeb at position {position}, line 100002)" in exc.value.message
    assert "Windows-1252" in exc.value.message
    assert session.scalar(select(func.count()).select_from(Contact)) == 0


def test_columns_we_do_not_recognise_are_listed_and_mapped_as_the_person_says(session):
    from campaign_dashboard.services.audience.csv_file import unrecognised_columns

    header = ["E-post", "Fornavn", "tags", "notes", "attributes.plan", "id", "Segment"]
    assert unrecognised_columns(header) == ["E-post", "Fornavn", "notes", "Segment"]
    text = "E-post,Fornavn,tags,notes,attributes.plan,id,Segment\nkari@example.no,Kari,vip,call back,pro,9,B2B\n"
    mapping = {"E-post": "email", "Fornavn": "first_name", "notes": "ignore"}
    result = run(session, text, mapping=mapping)
    assert (result.imported, result.errors) == (1, [])
    kari = all_contacts(session)["kari@example.no"]
    assert kari.first_name == "Kari"
    assert kari.attributes == {"plan": "pro", "Segment": "B2B"}  # "Segment" was left an attribute
    assert tags(session, kari) == ["vip"]


def test_a_mapping_to_something_that_is_not_a_choice_is_refused_naming_the_field(session):
    with pytest.raises(ValidationFailed) as err:
        run(session, "E-post\nkari@example.no\n", mapping={"E-post": "password"})
    assert err.value.details[0]["field"] == "mapping"
    assert session.exec(select(func.count()).select_from(Contact)).one() == 0
