"""Import contacts from a CSV file, fast and with a reason for every row left out.

The whole file is checked first (encoding, header, CSV syntax): a file that fails there changes
nothing. Rows are then applied in chunks of `CHUNK_SIZE`, each with one lookup of the existing
contacts and bulk writes, and committed per chunk so a long import does not hold the database's
write lock for its whole duration. Importing the same file twice is harmless: the second run
updates what the first created, and so is importing our own export (`services/csv_export`): its
formula-guard quotes are read off and its id, status and date columns are left alone.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import insert
from sqlmodel import Session, select

from campaign_dashboard.models import Contact, ContactTag, EmailStatus, SmsStatus, utcnow
from campaign_dashboard.services.contacts import clean_name, clean_tags, clean_timezone
from campaign_dashboard.services.csv_export import csv_lines, unescape_cell
from campaign_dashboard.services.errors import ValidationFailed
from campaign_dashboard.services.suppressions import (
    DEFAULT_PHONE_REGION,
    normalize_email,
    normalize_phone,
)

CHUNK_SIZE = 1000
MAX_FILE_BYTES = 50 * 1024 * 1024  # about 500,000 contacts; larger lists can be split
TAG_SEPARATORS = re.compile(r"[;|]")
ATTRIBUTE_PREFIX = "attributes."

# Header spellings people actually export, mapped to our columns. Anything else is an attribute.
HEADER_ALIASES = {
    "email": {"email", "e_mail", "email_address", "mail"},
    "phone": {"phone", "phone_number", "mobile", "mobile_phone", "cell", "sms"},
    "first_name": {"first_name", "firstname", "first", "given_name"},
    "last_name": {"last_name", "lastname", "last", "surname", "family_name"},
    "timezone": {"timezone", "time_zone", "tz"},
    "tags": {"tags", "tag", "labels"},
}
_CANONICAL = {alias: name for name, aliases in HEADER_ALIASES.items() for alias in aliases}
# Columns our own export writes that an import must not take: ids are ours, and subscription
# status changes only through unsubscribe/resubscribe (a file must never resubscribe anyone).
READ_ONLY_COLUMNS = {"id", "email_status", "sms_status", "created_at", "updated_at"}

Progress = Callable[[int, int], None]


@dataclass
class ImportResult:
    imported: int = 0
    updated: int = 0
    rejected: int = 0
    errors: list[dict[str, Any]] = field(default_factory=list)
    header: list[str] = field(default_factory=list)
    rejected_cells: dict[int, list[str]] = field(default_factory=dict)  # line -> the row as read

    def reject(self, row: int, reason: str, cells: list[str] | None = None) -> None:
        self.rejected += 1
        self.errors.append({"row": row, "reason": reason})
        if cells is not None:
            self.rejected_cells[row] = cells


def error_report_csv(result: ImportResult) -> str:
    """The rejected rows as a CSV to fix and import again: line number, reason, then the row's
    own cells under the file's header (escaped against formulas like every CSV we write)."""
    rows: list[list[str]] = [["line", "reason", *result.header]]
    for error in result.errors:
        rows.append([error["row"], error["reason"], *result.rejected_cells.get(error["row"], [])])
    return csv_lines(rows)


@dataclass
class _Row:
    line: int
    email: str | None
    phone: str | None
    first_name: str | None
    last_name: str | None
    timezone: str | None
    tags: list[str]
    attributes: dict[str, str]


class _Rejected(Exception):
    pass


def import_contacts_csv(
    *,
    session: Session,
    data: bytes,
    region: str = DEFAULT_PHONE_REGION,
    progress: Progress | None = None,
    chunk_size: int = CHUNK_SIZE,
) -> ImportResult:
    """Create or update a contact per CSV row; see the module docstring for the guarantees.

    Rows are matched to existing contacts by email (or by phone when the row has no email):
    matches get the row's non-empty fields, its attributes merged in and its tags added.
    `progress(done_rows, total_rows)` is called before the first chunk and after each one.
    """
    text = _decode(data)
    header_line, header, records = _read_records(text)
    columns = _columns(header, header_line)
    total = len(records)
    result = ImportResult(header=header)
    seen: dict[tuple[str, str], int] = {}
    if progress:
        progress(0, total)
    for start in range(0, total, chunk_size):
        rows = []
        for line, cells in records[start : start + chunk_size]:
            try:
                row = _parse_row(line, cells, columns, region)
            except _Rejected as exc:
                result.reject(line, str(exc), cells)
                continue
            key = ("email", row.email) if row.email else ("phone", row.phone)
            if key in seen:
                result.reject(line, f"duplicate of row {seen[key]} (same {key[0]} {key[1]})", cells)
                continue
            seen[key] = line
            rows.append(row)
        _apply(session, rows, result)
        session.commit()
        if progress:
            progress(min(start + chunk_size, total), total)
    return result


# -- whole-file checks --------------------------------------------------------------------------


def _decode(data: bytes) -> str:
    if len(data) > MAX_FILE_BYTES:
        raise _file_error(
            f"The file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; split it into smaller files."
        )
    if not data.strip():
        raise _file_error("The file is empty: it needs a header row and at least one contact.")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise _file_error("The file is UTF-16 encoded; save it as UTF-8 CSV.")
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        raise _file_error(
            f"The file is not UTF-8 encoded (byte 0x{data[exc.start]:02x} at position {exc.start},"
            f" line {line}){_encoding_hint(data)}; save it as UTF-8 CSV."
        ) from None
    if not text.strip():
        raise _file_error("The file is empty: it needs a header row and at least one contact.")
    return text


def _encoding_hint(data: bytes) -> str:
    if data[:200].count(b"\x00") > 10:
        return ": it looks like UTF-16"
    try:
        data.decode("cp1252")
    except UnicodeDecodeError:
        return ""
    return ": it looks like Windows-1252/Latin-1, what Excel writes for plain 'CSV'"


def _read_records(text: str) -> tuple[int, list[str], list[tuple[int, list[str]]]]:
    """The header (with its line number) and every non-blank record with its first line number."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    records: list[tuple[int, list[str]]] = []
    line = 1
    try:
        for cells in reader:
            if any(cell.strip() for cell in cells):
                records.append((line, cells))
            line = reader.line_num + 1
    except csv.Error as exc:
        raise _file_error(f"The file is not valid CSV (line {reader.line_num}): {exc}.") from None
    if not records:
        raise _file_error("The file is empty: it needs a header row and at least one contact.")
    (header_line, header), rows = records[0], records[1:]
    return header_line, header, rows


def _delimiter(text: str) -> str:
    """Comma, unless the header line clearly uses semicolons or tabs (Excel in many locales)."""
    first = text.lstrip("\r\n").split("\n", 1)[0]
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def _columns(header: list[str], header_line: int) -> list[tuple[str, str] | None]:
    """Per column: ("field", name), ("attribute", key), or None for a nameless column."""
    columns: list[tuple[str, str] | None] = []
    where: dict[tuple[str, str], int] = {}
    for position, raw in enumerate(header, start=1):
        name = raw.strip()
        if not name:
            columns.append(None)
            continue
        simple = re.sub(r"[\s\-]+", "_", name.lower())
        if simple in READ_ONLY_COLUMNS:
            columns.append(None)
            continue
        if simple in _CANONICAL:
            column = ("field", _CANONICAL[simple])
        elif simple.startswith(ATTRIBUTE_PREFIX) and len(name) > len(ATTRIBUTE_PREFIX):
            column = ("attribute", name[len(ATTRIBUTE_PREFIX) :].strip())
        else:
            column = ("attribute", name)
        if column in where:
            raise _file_error(
                f"Column {column[1]!r} appears twice in the header (columns {where[column]} and"
                f" {position}); keep one."
            )
        where[column] = position
        columns.append(column)
    names = {c[1] for c in columns if c and c[0] == "field"}
    if not names & {"email", "phone"}:
        if any("@" in cell or re.fullmatch(r"\s*\+?[\d\s().-]{7,}", cell) for cell in header):
            raise _file_error(
                f"Line {header_line} looks like a contact, not a header: add a first line naming the"
                " columns, e.g. email,phone,first_name,last_name,timezone,tags."
            )
        found = ", ".join(repr(c.strip()) for c in header if c.strip())
        raise _file_error(
            f"The header has no email or phone column (found {found}): name at least one of them."
        )
    return columns


# -- rows ---------------------------------------------------------------------------------------


def _parse_row(
    line: int, cells: list[str], columns: list[tuple[str, str] | None], region: str
) -> _Row:
    if len(cells) > len(columns) and not any(c.strip() for c in cells[len(columns) :]):
        cells = cells[: len(columns)]  # trailing empty cells, as spreadsheets like to add
    if len(cells) != len(columns):
        raise _Rejected(f"expected {len(columns)} columns, found {len(cells)}")
    values: dict[str, str] = {}
    attributes: dict[str, str] = {}
    for column, cell in zip(columns, cells, strict=True):
        value = unescape_cell(cell.strip())  # our own exports quote `+1415...` against formulas
        if column is None or not value:
            continue
        kind, name = column
        if kind == "field":
            values[name] = value
        else:
            attributes[name] = value
    if not values.get("email") and not values.get("phone"):
        raise _Rejected("row has neither an email nor a phone number")
    try:
        return _Row(
            line=line,
            email=normalize_email(values["email"]) if values.get("email") else None,
            phone=normalize_phone(values["phone"], region=region) if values.get("phone") else None,
            first_name=clean_name(values["first_name"], field="first_name") if "first_name" in values else None,
            last_name=clean_name(values["last_name"], field="last_name") if "last_name" in values else None,
            timezone=clean_timezone(values["timezone"]) if "timezone" in values else None,
            tags=clean_tags(TAG_SEPARATORS.split(values.get("tags", ""))),
            attributes=attributes,
        )
    except ValidationFailed as exc:
        raise _Rejected(exc.message) from None


# -- writes -------------------------------------------------------------------------------------


def _apply(session: Session, rows: list[_Row], result: ImportResult) -> None:
    """Update the chunk's existing contacts and insert the new ones, with set-based queries."""
    if not rows:
        return
    by_email = _existing(session, Contact.email, {r.email for r in rows if r.email})
    by_phone = _existing(session, Contact.phone, {r.phone for r in rows if not r.email})
    now = utcnow()
    new_rows: list[_Row] = []
    tags_for: dict[int, set[str]] = {}
    for row in rows:
        contact = by_email.get(row.email) if row.email else by_phone.get(row.phone)
        if contact is None:
            new_rows.append(row)
            continue
        _merge(contact, row, now)
        tags_for.setdefault(contact.id, set()).update(row.tags)
        result.updated += 1
    session.flush()

    if new_rows:
        statement = insert(Contact).returning(Contact.id, sort_by_parameter_order=True)
        ids = session.execute(statement, [_new_contact(row, now) for row in new_rows]).scalars().all()
        for contact_id, row in zip(ids, new_rows, strict=True):
            tags_for[contact_id] = set(row.tags)
        result.imported += len(new_rows)

    _add_tags(session, tags_for)


def _existing(session: Session, column, values: set[str]) -> dict[str, Contact]:
    if not values:
        return {}
    found: dict[str, Contact] = {}
    for contact in session.exec(select(Contact).where(column.in_(values)).order_by(Contact.id)).all():
        found.setdefault(getattr(contact, column.key), contact)  # the oldest contact wins
    return found


def _merge(contact: Contact, row: _Row, now) -> None:
    for name in ("phone", "first_name", "last_name", "timezone"):
        value = getattr(row, name)
        if value and value != getattr(contact, name):
            setattr(contact, name, value)
    if row.attributes:
        contact.attributes = {**(contact.attributes or {}), **row.attributes}
    contact.updated_at = now  # the contact is in the session: the next flush writes it


def _new_contact(row: _Row, now) -> dict[str, Any]:
    return {
        "email": row.email,
        "phone": row.phone,
        "first_name": row.first_name or "",
        "last_name": row.last_name or "",
        "timezone": row.timezone or "UTC",
        "attributes": row.attributes,
        "email_status": EmailStatus.SUBSCRIBED.value,
        "sms_status": SmsStatus.SUBSCRIBED.value,
        "created_at": now,
        "updated_at": now,
    }


def _add_tags(session: Session, tags_for: dict[int, set[str]]) -> None:
    wanted = {(cid, tag) for cid, tags in tags_for.items() for tag in tags}
    if not wanted:
        return
    ids = list({cid for cid, _ in wanted})
    have = set(
        session.exec(
            select(ContactTag.contact_id, ContactTag.tag).where(ContactTag.contact_id.in_(ids))
        ).all()
    )
    missing = [{"contact_id": cid, "tag": tag} for cid, tag in sorted(wanted - have)]
    if missing:
        session.execute(insert(ContactTag), missing)


def _file_error(message: str) -> ValidationFailed:
    return ValidationFailed(message, details=[{"field": "file", "message": message}])
