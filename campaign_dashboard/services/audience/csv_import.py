"""Import contacts from a CSV file, fast, in flat memory, and with a reason for every row left out.

The file is read as a stream, twice. The first pass (`csv_file`) checks the whole file (size,
encoding, header, CSV syntax, the limits below) and counts its rows: a file that fails there
changes nothing. The second pass applies the rows in chunks of `CHUNK_SIZE`, each with one lookup
of the existing contacts and bulk writes, committed per chunk so a long import does not hold the
database's write lock for its whole duration. Only one chunk of rows is in memory at a time; the
email/phone of rows already applied (to report a later duplicate by its first line) are kept in a
temporary SQLite file, and the error report keeps the first `MAX_LISTED_ERRORS` rejected rows (the
count covers them all).

Limits (`CsvLimits`, from Settings): file size, rows, columns, and the length of a column name.
Importing the same file twice is harmless: the second run updates what the first created, and so is
importing our own export (`services/csv_export`): its formula-guard quotes are read off and its id,
status and date columns are left alone.
"""

from __future__ import annotations

import csv
import io
import itertools
import os
import re
import sqlite3
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import IO, Any

from sqlalchemy import insert
from sqlmodel import Session, col, select

from campaign_dashboard.models import Channel, Contact, ContactTag, EmailStatus, id_of, utcnow
from campaign_dashboard.services.audience import consent
from campaign_dashboard.services.audience.consent import ConsentEvent, ConsentSource
from campaign_dashboard.services.audience.consent_rules import kept_statuses
from campaign_dashboard.services.audience.contacts import clean_name, clean_tags, clean_timezone
from campaign_dashboard.services.audience.csv_export import csv_lines, unescape_cell
from campaign_dashboard.services.audience.csv_file import (
    ERROR_REPORT_COLUMNS,
    CsvLimits,
    check_file,
    header_columns,
    numbered_records,
    open_text,
)
from campaign_dashboard.services.audience.suppressions import (
    DEFAULT_PHONE_REGION,
    normalize_email,
    normalize_phone,
)
from campaign_dashboard.services.errors import ValidationFailed

CHUNK_SIZE = 1000
MAX_LISTED_ERRORS = 1000  # rejected rows listed (with their cells) in the result and the error report
REPORT_CELL_BUDGET = 2_000_000  # characters of rejected rows' cells kept for the report, in all
TAG_SEPARATORS = re.compile(r"[;|]")
SUBSCRIBED = EmailStatus.SUBSCRIBED.value  # the same word for SMS
Progress = Callable[[int, int], None]


@dataclass
class ImportResult:
    imported: int = 0
    updated: int = 0
    rejected: int = 0
    kept_unsubscribed: int = 0  # rows whose contact stays unsubscribed or suppressed: a file never resubscribes
    errors: list[dict[str, Any]] = field(default_factory=list)  # the first MAX_LISTED_ERRORS
    header: list[str] = field(default_factory=list)
    rejected_cells: dict[int, list[str]] = field(default_factory=dict)  # line -> the row as read
    _cell_budget: int = REPORT_CELL_BUDGET

    @property
    def unlisted(self) -> int:
        """Rejected rows counted but not listed (past MAX_LISTED_ERRORS)."""
        return self.rejected - len(self.errors)

    def reject(self, row: int, reason: str, cells: list[str] | None = None) -> None:
        self.rejected += 1
        if len(self.errors) >= MAX_LISTED_ERRORS:
            return
        self.errors.append({"row": row, "reason": reason})
        if cells is not None:
            size = sum(len(c) for c in cells)
            if size <= self._cell_budget:
                self._cell_budget -= size
                self.rejected_cells[row] = cells


def error_report_csv(result: ImportResult) -> str:
    """The rejected rows as a CSV to fix and import again: line number, reason, then the row's
    own cells under the file's header (escaped against formulas like every CSV we write)."""
    rows: list[list[str]] = [[*ERROR_REPORT_COLUMNS, *result.header]]
    for error in result.errors:
        rows.append([error["row"], error["reason"], *result.rejected_cells.get(error["row"], [])])
    if result.unlisted:
        more = (
            f"{result.unlisted} more rejected rows are not listed; fix the rows above and import"
            " the file again to see them."
        )
        rows.append(["", more])
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

    @property
    def key(self) -> tuple[str, str]:
        return ("email", self.email) if self.email else ("phone", self.phone or "")


class _Rejected(Exception):
    pass


def import_contacts_csv(
    *,
    session: Session,
    data: bytes | IO[bytes],
    source: ConsentSource,
    region: str = DEFAULT_PHONE_REGION,
    progress: Progress | None = None,
    chunk_size: int = CHUNK_SIZE,
    limits: CsvLimits | None = None,
    mapping: Mapping[str, str] | None = None,
) -> ImportResult:
    """Create or update a contact per CSV row; see the module docstring for the guarantees.

    `data` is the file's bytes or a seekable binary file (an upload spooled to disk), read twice.
    Rows are matched to existing contacts by email (or by phone when the row has no email):
    matches get the row's non-empty fields, its attributes merged in and its tags added.
    `progress(done_rows, total_rows)` is called before the first chunk and after each one.
    `mapping` says what columns we do not recognise are (`csv_file.header_columns`).

    Consent: each new contact opts in on the channels it has an address for, with one ledger entry
    from `source` (the file and who imported it). A file never resubscribes anyone: matched contacts
    keep their status, and a new contact whose address is suppressed starts unsubscribed; both are
    counted in `kept_unsubscribed`.
    """
    stream = io.BytesIO(data) if isinstance(data, (bytes, bytearray)) else data
    limits = limits or CsvLimits.from_settings()
    header_line, header, delimiter, total = check_file(stream, limits)
    columns = header_columns(header, header_line, limits, mapping)
    result = ImportResult(header=header)
    if progress:
        progress(0, total)
    done = 0
    with open_text(stream) as text, _SeenKeys() as seen:
        records = numbered_records(csv.reader(text, delimiter=delimiter))
        next(records)  # the header, checked above
        while chunk := list(itertools.islice(records, chunk_size)):
            _apply(session, _accepted(chunk, columns, region, seen, result), result, source)
            session.commit()
            done += len(chunk)
            if progress:
                progress(done, total)
    return result


# -- rows ---------------------------------------------------------------------------------------


def _parse_row(line: int, cells: list[str], columns: list[tuple[str, str] | None], region: str) -> _Row:
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


def _accepted(
    chunk: list[tuple[int, list[str]]],
    columns: list[tuple[str, str] | None],
    region: str,
    seen: _SeenKeys,
    result: ImportResult,
) -> list[_Row]:
    """The chunk's rows worth applying; the others are rejected in line order with their reason
    (bad values, or the same email/phone as an earlier row of the file)."""
    parsed: list[tuple[int, list[str], _Row | str]] = []
    for line, cells in chunk:
        try:
            parsed.append((line, cells, _parse_row(line, cells, columns, region)))
        except _Rejected as exc:
            parsed.append((line, cells, str(exc)))
    earlier = seen.lines_of({p[2].key for p in parsed if isinstance(p[2], _Row)})
    first: dict[tuple[str, str], int] = {}
    rows: list[_Row] = []
    for line, cells, outcome in parsed:
        if isinstance(outcome, str):
            result.reject(line, outcome, cells)
            continue
        key = outcome.key
        if (previous := earlier.get(key) or first.get(key)) is not None:
            result.reject(line, f"duplicate of row {previous} (same {key[0]} {key[1]})", cells)
            continue
        first[key] = line
        rows.append(outcome)
    seen.add(first)
    return rows


class _SeenKeys:
    """The email or phone of every row applied so far, with its line, in a temporary SQLite file:
    a million-row import must not keep a million keys in memory to spot a late duplicate."""

    def __enter__(self) -> _SeenKeys:
        self._dir = tempfile.TemporaryDirectory(prefix="csv-import-")
        self._db = sqlite3.connect(os.path.join(self._dir.name, "seen.db"))
        self._db.execute("PRAGMA journal_mode=OFF")
        self._db.execute("PRAGMA synchronous=OFF")
        self._db.execute("CREATE TABLE seen (key TEXT PRIMARY KEY, line INTEGER NOT NULL) WITHOUT ROWID")
        return self

    def __exit__(self, *_exc: object) -> None:
        self._db.close()
        self._dir.cleanup()

    def lines_of(self, keys: set[tuple[str, str]]) -> dict[tuple[str, str], int]:
        if not keys:
            return {}
        names = {f"{kind}:{value}": (kind, value) for kind, value in keys}
        found: dict[tuple[str, str], int] = {}
        batch = list(names)
        for start in range(0, len(batch), 500):  # well under SQLite's bound on query parameters
            part = batch[start : start + 500]
            query = f"SELECT key, line FROM seen WHERE key IN ({','.join('?' * len(part))})"
            for key, line in self._db.execute(query, part):
                found[names[key]] = line
        return found

    def add(self, lines: dict[tuple[str, str], int]) -> None:
        self._db.executemany("INSERT INTO seen VALUES (?, ?)", ((f"{k}:{v}", n) for (k, v), n in lines.items()))


# -- writes -------------------------------------------------------------------------------------


def _apply(session: Session, rows: list[_Row], result: ImportResult, source: ConsentSource) -> None:
    """Update the chunk's existing contacts and insert the new ones, with set-based queries."""
    if not rows:
        return
    by_email = _existing(session, col(Contact.email), {r.email for r in rows if r.email})
    by_phone = _existing(session, col(Contact.phone), {r.phone for r in rows if not r.email and r.phone})
    kept = {
        Channel.EMAIL: kept_statuses(
            session=session, channel=Channel.EMAIL, addresses={r.email for r in rows if r.email}
        ),
        Channel.SMS: kept_statuses(session=session, channel=Channel.SMS, addresses={r.phone for r in rows if r.phone}),
    }
    now = utcnow()
    new_rows: list[_Row] = []
    tags_for: dict[int, set[str]] = {}
    for row in rows:
        contact = by_email.get(row.email) if row.email else by_phone.get(row.phone) if row.phone else None
        if contact is None:
            new_rows.append(row)
            continue
        _merge(contact, row, now)
        tags_for.setdefault(id_of(contact), set()).update(row.tags)
        result.updated += 1
        result.kept_unsubscribed += _kept_existing(contact, kept)
    session.flush()

    if new_rows:
        values = [_new_contact(row, now, kept) for row in new_rows]
        statement = insert(Contact).returning(col(Contact.id), sort_by_parameter_order=True)
        ids: Sequence[int] = session.execute(statement, values).scalars().all()
        opted_in: list[tuple[int | None, str, str]] = []
        for contact_id, row, value in zip(ids, new_rows, values, strict=True):
            tags_for[contact_id] = set(row.tags)
            subscribed = [(contact_id, ch, a) for ch, a in _pairs(row) if value[f"{ch}_status"] == SUBSCRIBED]
            result.kept_unsubscribed += len(subscribed) < len(_pairs(row))
            opted_in.extend(subscribed)
        consent.record_many(session=session, entries=opted_in, event=ConsentEvent.OPTED_IN, source=source, at=now)
        result.imported += len(new_rows)

    _add_tags(session, tags_for)


def _pairs(row: _Row) -> list[tuple[Channel, str]]:
    return [(ch, a) for ch, a in ((Channel.EMAIL, row.email), (Channel.SMS, row.phone)) if a]


def _kept_existing(contact: Contact, kept: dict[Channel, dict[str, str]]) -> bool:
    """Whether the matched contact stays unsubscribed or suppressed on one of its channels."""
    for channel, address, status in (
        (Channel.EMAIL, contact.email, contact.email_status),
        (Channel.SMS, contact.phone, contact.sms_status),
    ):
        if address and (status != SUBSCRIBED or address in kept[channel]):
            return True
    return False


def _existing(session: Session, column, values: set[str]) -> dict[str, Contact]:
    if not values:
        return {}
    found: dict[str, Contact] = {}
    for contact in session.exec(select(Contact).where(column.in_(values)).order_by(col(Contact.id))).all():
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


def _new_contact(row: _Row, now, kept: dict[Channel, dict[str, str]]) -> dict[str, Any]:
    return {
        "email": row.email,
        "phone": row.phone,
        "first_name": row.first_name or "",
        "last_name": row.last_name or "",
        "timezone": row.timezone or "UTC",
        "attributes": row.attributes,
        "email_status": kept[Channel.EMAIL].get(row.email or "", SUBSCRIBED),
        "sms_status": kept[Channel.SMS].get(row.phone or "", SUBSCRIBED),
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
            select(col(ContactTag.contact_id), col(ContactTag.tag)).where(col(ContactTag.contact_id).in_(ids))
        ).all()
    )
    missing = [{"contact_id": cid, "tag": tag} for cid, tag in sorted(wanted - have)]
    if missing:
        session.execute(insert(ContactTag), missing)
