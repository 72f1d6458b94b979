"""The documented bounds on what one request may store (README "Limits", docs/security.md).

Every input is bounded so that one caller cannot make a row, a page or a render arbitrarily large,
and ids are bounded to what the databases' integer columns can be compared with, so a huge number
is a validation error naming the field instead of an overflow deep in a driver.
"""

from __future__ import annotations

import json
import unicodedata
from typing import Annotated, Any

from pydantic import Field

from campaign_dashboard.services.errors import ValidationFailed

# Ids are INTEGER columns: 32-bit on PostgreSQL, which refuses even to compare with a larger
# parameter ("integer out of range", found by the schema fuzz on PostgreSQL). No row has a larger id.
MAX_ID = 2**31 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]

MAX_CONTACT_TAGS = 100
MAX_CONTACT_ATTRIBUTES = 100
MAX_ATTRIBUTES_BYTES = 16_384  # the attributes object as compact JSON
MAX_SEGMENT_CONTACTS = 10_000  # a static segment's members set in one request
MAX_HTML_CHARS = 200_000  # Gmail clips a message above 102 KB; templates expand a little
MAX_TEXT_CHARS = 100_000

# C0/C1 controls (CR, LF, NUL, ...) and the Unicode line and paragraph separators: in a header
# (subject, sender, reply-to) they could start a new header line.
_LINE_BREAKING = {"Cc", "Zl", "Zp"}


def check_single_line(field: str, value: str | None) -> None:
    """Refuse control characters and line breaks in a value that ends up in a header or a label."""
    if not value:
        return
    for ch in value:
        if unicodedata.category(ch) in _LINE_BREAKING:
            message = f"must not contain control characters or line breaks (found U+{ord(ch):04X})"
            raise ValidationFailed(f"{field}: {message}", details=[{"field": field, "message": message}])


def check_id(field: str, value: Any) -> None:
    """An id that fits the databases' integer columns."""
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_ID:
        message = f"must be a whole number between 1 and {MAX_ID}"
        raise ValidationFailed(f"{field}: {message}", details=[{"field": field, "message": message}])


def check_length(field: str, value: str | None, limit: int) -> None:
    if value is not None and len(value) > limit:
        message = f"at most {limit:,} characters (got {len(value):,})"
        raise ValidationFailed(f"{field}: {message}", details=[{"field": field, "message": message}])


def json_size(value: Any) -> int:
    """Bytes of `value` as compact JSON (what the database stores)."""
    return len(json.dumps(value, separators=(",", ":"), ensure_ascii=False, default=str).encode())
