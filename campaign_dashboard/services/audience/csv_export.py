"""CSV files people open in spreadsheets: contact exports and import error reports.

Every cell that a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, a tab or
a carriage return) gets a leading single quote, so a contact named `=HYPERLINK(...)` stays text
(OWASP "CSV injection"). The import reads such a quote back off, so an export re-imports as is.
Contacts are read in keyset chunks, so an export of any size holds one chunk in memory at a time.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator
from typing import Any

from sqlmodel import Session, col, select

from campaign_dashboard.models import Contact, id_of
from campaign_dashboard.services.audience.contact_search import ContactFilter
from campaign_dashboard.services.audience.contacts import tags_of

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CHUNK_SIZE = 1000
CONTACT_COLUMNS = (
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
)
ATTRIBUTE_PREFIX = "attributes."  # what the import reads back as an attribute column


def escape_cell(value: Any) -> str:
    """The cell as text, with a quote in front when a spreadsheet would run it as a formula."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def unescape_cell(text: str) -> str:
    """Undo `escape_cell`: `'=1+1` reads as `=1+1`; any other text is left alone."""
    return text[1:] if text.startswith("'") and text[1:].startswith(FORMULA_STARTS) else text


def csv_lines(rows: Iterable[Iterable[Any]]) -> str:
    """Rows as CSV text, every cell escaped."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in rows:
        writer.writerow([escape_cell(cell) for cell in row])
    return buffer.getvalue()


def export_contacts(
    *, session: Session, filters: ContactFilter = ContactFilter(), chunk_size: int = CHUNK_SIZE
) -> Iterator[str]:
    """The contacts matching `filters` as CSV text, one piece per chunk of contacts (the first
    piece is the header). Attributes become `attributes.<key>` columns, sorted by key."""
    conditions = filters.conditions(session)
    keys = sorted(_attribute_keys(session, conditions, chunk_size))
    yield csv_lines([[*CONTACT_COLUMNS, *(ATTRIBUTE_PREFIX + key for key in keys)]])
    for contacts in _chunks(session, select(Contact).where(*conditions), chunk_size):
        tags = tags_of(session=session, contact_ids=[c.id for c in contacts])
        yield csv_lines(_contact_row(c, tags.get(c.id, []), keys) for c in contacts)


def contacts_csv(*, session: Session, filters: ContactFilter = ContactFilter()) -> str:
    return "".join(export_contacts(session=session, filters=filters))


def _contact_row(contact: Contact, tags: list[str], keys: list[str]) -> list[Any]:
    attributes = contact.attributes or {}
    return [
        contact.id,
        contact.email,
        contact.phone,
        contact.first_name,
        contact.last_name,
        contact.timezone,
        ";".join(tags),
        contact.email_status,
        contact.sms_status,
        contact.created_at.isoformat() if contact.created_at else "",
        *(attributes.get(key, "") for key in keys),
    ]


def _attribute_keys(session: Session, conditions: list, chunk_size: int) -> set[str]:
    keys: set[str] = set()
    query = select(col(Contact.id), col(Contact.attributes)).where(*conditions)
    for rows in _chunks(session, query, chunk_size):
        for _, attributes in rows:
            keys.update(attributes or {})
    return keys


def _chunks(session: Session, query, chunk_size: int) -> Iterator[list]:
    """`query` (rows with an `id` first) in id order, `chunk_size` rows at a time."""
    last_id = 0
    while True:
        rows = list(
            session.exec(query.where(col(Contact.id) > last_id).order_by(col(Contact.id)).limit(chunk_size)).all()
        )
        if not rows:
            return
        yield rows
        last_id = id_of(rows[-1]) if isinstance(rows[-1], Contact) else rows[-1][0]
