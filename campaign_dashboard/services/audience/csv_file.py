"""The first pass of a CSV import (`csv_import`): the file's size, encoding, delimiter, header
and row count checked against the import's limits before anything is written, and the header's
columns mapped to contact fields and attributes."""

from __future__ import annotations

import codecs
import csv
import io
import os
import re
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from typing import IO, Any

from campaign_dashboard.config import get_settings
from campaign_dashboard.services.errors import ValidationFailed

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
# The first columns of the import's error report (`csv_import.error_report`), which a person fixes
# and imports again: they describe the rejection, not the contact.
ERROR_REPORT_COLUMNS = ("line", "reason")


@dataclass(frozen=True)
class CsvLimits:
    """What one import accepts (README "Configuration"; docs/security.md)."""

    max_bytes: int = 50 * 1024 * 1024
    max_rows: int = 1_000_000
    max_columns: int = 100
    max_column_name: int = 100  # the same bound as an attribute name set through the API

    @classmethod
    def from_settings(cls) -> CsvLimits:
        s = get_settings()
        return cls(
            max_bytes=s.csv_import_max_bytes,
            max_rows=s.csv_import_max_rows,
            max_columns=s.csv_import_max_columns,
            max_column_name=s.csv_import_max_column_name,
        )

    def too_large(self) -> str:
        return f"The file is larger than {_size(self.max_bytes)}; split it into smaller files."


def check_file(source: IO[bytes], limits: CsvLimits) -> tuple[int, list[str], str, int]:
    """The header (with its line number), the delimiter and the number of rows after the header;
    or ValidationFailed naming what is wrong with the file."""
    size = source.seek(0, os.SEEK_END)
    if size > limits.max_bytes:
        raise _file_error(limits.too_large())
    source.seek(0)
    if source.read(2) in (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE):
        raise _file_error("The file is UTF-16 encoded; save it as UTF-8 CSV.")
    try:
        with open_text(source) as text:
            delimiter = _delimiter(text)
        with open_text(source) as text:
            reader = csv.reader(text, delimiter=delimiter)
            records = numbered_records(reader)
            try:
                header_line, header = next(records)
            except StopIteration:
                raise _file_error("The file is empty: it needs a header row and at least one contact.") from None
            if len(header) > limits.max_columns:
                raise _file_error(
                    f"The header has {len(header):,} columns; the limit is {limits.max_columns:,}."
                    " Keep the columns you need (email, phone, names, timezone, tags, attributes)."
                )
            rows = 0
            for _ in records:
                rows += 1
                if rows > limits.max_rows:
                    raise _file_error(f"The file has more than {limits.max_rows:,} rows; split it into smaller files.")
    except UnicodeDecodeError:
        raise _file_error(_encoding_problem(source)) from None
    except csv.Error as exc:
        raise _file_error(f"The file is not valid CSV (line {reader.line_num}): {exc}.") from None
    return header_line, header, delimiter, rows


@contextmanager
def open_text(source: IO[bytes]) -> Iterator[io.TextIOWrapper]:
    """The file from its start as text (UTF-8, a BOM dropped), without closing the file after."""
    source.seek(0)
    text = io.TextIOWrapper(source, encoding="utf-8-sig", newline="")
    try:
        yield text
    finally:
        text.detach()


def numbered_records(reader: Any) -> Iterator[tuple[int, list[str]]]:
    """Every non-blank record with its first line number."""
    line = 1
    for cells in reader:
        if any(cell.strip() for cell in cells):
            yield line, cells
        line = reader.line_num + 1


def _encoding_problem(source: IO[bytes]) -> str:
    """Where the file stops being UTF-8, and what it looks like instead (read in blocks)."""
    source.seek(0)
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset, lines, cp1252, nul_bytes = 0, 1, True, 0
    while block := source.read(1 << 20):
        if offset == 0:
            nul_bytes = block[:200].count(b"\x00")
        try:
            block.decode("cp1252")
        except UnicodeDecodeError:
            cp1252 = False
        try:
            decoder.decode(block)
        except UnicodeDecodeError as exc:
            start = offset - (len(exc.object) - len(block)) + exc.start
            bad = exc.object[exc.start]
            lines += block.count(b"\n", 0, max(0, exc.start - (len(exc.object) - len(block))))
            break
        offset += len(block)
        lines += block.count(b"\n")
    else:  # the file ended inside a character
        start, bad = offset, 0
    hint = ""
    if nul_bytes > 10:
        hint = ": it looks like UTF-16"
    elif cp1252:
        hint = ": it looks like Windows-1252/Latin-1, what Excel writes for plain 'CSV'"
    return (
        f"The file is not UTF-8 encoded (byte 0x{bad:02x} at position {start}, line {lines}){hint};"
        " save it as UTF-8 CSV."
    )


def _delimiter(text: IO[str]) -> str:
    """Comma, unless the header line clearly uses semicolons or tabs (Excel in many locales)."""
    first = ""
    for line in text:
        if line.strip("\r\n"):
            first = line
            break
    counts = {d: first.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


# What a person may say an unrecognised column is (`header_columns`' `mapping`).
ATTRIBUTE, IGNORE = "attribute", "ignore"
COLUMN_CHOICES = (*HEADER_ALIASES, ATTRIBUTE, IGNORE)


def header_columns(
    header: list[str], header_line: int, limits: CsvLimits, mapping: Mapping[str, str] | None = None
) -> list[tuple[str, str] | None]:
    """Per column: ("field", name), ("attribute", key), or None for a column not taken. A column
    whose name we do not recognise is an attribute unless `mapping` (its name to one of
    `COLUMN_CHOICES`) says it is a field, or to ignore it."""
    columns: list[tuple[str, str] | None] = []
    where: dict[tuple[str, str], int] = {}
    for position, (name, known) in enumerate(_recognised(header), start=1):
        if len(name) > limits.max_column_name:
            raise _file_error(
                f"Column {position}'s name is {len(name):,} characters long ({name[:20]!r}...); column"
                f" names are limited to {limits.max_column_name} characters."
            )
        column = known if known != UNKNOWN else _chosen(name, (mapping or {}).get(name, ATTRIBUTE))
        if column is None:
            columns.append(None)
            continue
        if column in where:
            raise _file_error(
                f"Column {column[1]!r} appears twice in the header (columns {where[column]} and {position}); keep one."
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
        raise _file_error(f"The header has no email or phone column (found {found}): name at least one of them.")
    return columns


UNKNOWN = ("unknown", "")


def unrecognised_columns(header: list[str]) -> list[str]:
    """The header's names that are neither a contact field (in any spelling we know), nor an
    `attributes.` column, nor one we never take: what to ask a person about."""
    return [name for name, known in _recognised(header) if known == UNKNOWN]


def _recognised(header: list[str]) -> Iterator[tuple[str, tuple[str, str] | None]]:
    """Each column's name and what it is without asking: a field, an attribute, None (not taken:
    blank, ours to write, or our error report's), or UNKNOWN."""
    report = [re.sub(r"[\s\-]+", "_", c.strip().lower()) for c in header[: len(ERROR_REPORT_COLUMNS)]]
    skip = len(ERROR_REPORT_COLUMNS) if tuple(report) == ERROR_REPORT_COLUMNS else 0
    for position, raw in enumerate(header, start=1):
        name = raw.strip()
        simple = re.sub(r"[\s\-]+", "_", name.lower())
        if position <= skip or not name or simple in READ_ONLY_COLUMNS:  # the error report's: not contact data
            yield name, None
        elif simple in _CANONICAL:
            yield name, ("field", _CANONICAL[simple])
        elif simple.startswith(ATTRIBUTE_PREFIX) and len(name) > len(ATTRIBUTE_PREFIX):
            yield name, ("attribute", name[len(ATTRIBUTE_PREFIX) :].strip())
        else:
            yield name, UNKNOWN


def _chosen(name: str, choice: str) -> tuple[str, str] | None:
    if choice == IGNORE:
        return None
    if choice == ATTRIBUTE:
        return ("attribute", name)
    if choice in HEADER_ALIASES:
        return ("field", choice)
    raise ValidationFailed(
        f"Column {name!r}: {choice!r} is not a choice; use one of {', '.join(COLUMN_CHOICES)}.",
        details=[{"field": "mapping", "message": f"unknown choice for {name!r}"}],
    )


def _size(count: int) -> str:
    mib = count / (1024 * 1024)
    return f"{mib:g} MB" if mib >= 1 else f"{count:,} bytes"


def _file_error(message: str) -> ValidationFailed:
    return ValidationFailed(message, details=[{"field": "file", "message": message}])
