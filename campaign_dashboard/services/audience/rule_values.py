"""Reading the `value` (and refusing the `op`) of one segment rule: the shared checks of
`segment_rules` (attributes, tags, dates) and `behaviour_rules` (campaigns, days).

Each check raises `RuleError(part, message)`; `segment_rules.validate_rules` turns it into the
field `rules[i].<part>` with the message, in words a marketer reads."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

MAX_VALUE_CHARS = 1000
MAX_DAYS = 3650  # ten years: beyond it the question is "ever", which other ops answer


class RuleError(ValueError):
    def __init__(self, part: str, message: str) -> None:
        super().__init__(message)
        self.part = part


def text(value: Any) -> str:
    if isinstance(value, bool) or value is None or isinstance(value, (dict, list)):
        raise RuleError("value", "value must be text or a number")
    result = str(value)
    if len(result) > MAX_VALUE_CHARS:
        raise RuleError("value", f"at most {MAX_VALUE_CHARS} characters")
    return result


def iso_datetime(value: Any) -> datetime:
    if not isinstance(value, str):
        raise RuleError("value", "value must be an ISO date like 2026-01-31")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise RuleError("value", f"{value!r} is not an ISO date like 2026-01-31") from None
    moment = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    try:
        return moment.astimezone(UTC)
    except OverflowError:  # 0001-01-01T00:00:00+14:00 is before the first storable instant
        raise RuleError("value", f"{value!r} is outside the range of dates that can be stored") from None


def whole_number(value: Any, *, what: str, low: int, high: int) -> int:
    """A whole number in [low, high], given as a number or as digits (the rule builder sends text)."""
    if isinstance(value, bool):
        number = None
    elif isinstance(value, int):
        number = value
    elif isinstance(value, float) and value.is_integer():
        number = int(value)
    elif isinstance(value, str) and value.strip().isascii() and value.strip().isdigit():
        number = int(value.strip())
    else:
        number = None
    if number is None:
        shown = "nothing" if value in (None, "") else repr(value)
        raise RuleError("value", f"{what} must be a whole number, not {shown}")
    if not low <= number <= high:
        raise RuleError("value", f"{what} must be between {low:,} and {high:,} (got {number:,})")
    return number
