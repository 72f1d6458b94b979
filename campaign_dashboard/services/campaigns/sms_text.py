"""How an SMS body travels: GSM-7 or UCS-2, how many segments, and what it costs.

One character outside the GSM 03.38 alphabet switches the whole message to UCS-2, which cuts a
segment from 160 to 70 characters; that is the surprise this module exists to show before sending.
Long messages are split into concatenated segments whose header eats 7 septets (GSM: 153 per part)
or 3 UTF-16 units (UCS-2: 67 per part); an escape pair or a surrogate pair is never split.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

GSM7 = "gsm7"
UCS2 = "ucs2"

# GSM 03.38 basic character set (ESC 0x1B itself is not a printable character).
GSM_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# The extension table: each is sent as ESC + char, so it costs two septets.
GSM_EXTENDED = frozenset("\f^{}\\[~]|€")

SINGLE_LIMIT = {GSM7: 160, UCS2: 70}
PART_LIMIT = {GSM7: 153, UCS2: 67}

DEFAULT_PRICE_PER_SEGMENT = Decimal("0.0079")  # USD, Twilio's US outbound list price


@dataclass(frozen=True)
class SmsInfo:
    encoding: str  # "gsm7" or "ucs2"
    units: int  # septets (GSM-7) or UTF-16 code units (UCS-2)
    segments: int
    per_segment: int  # capacity of one segment at this length (160/153 or 70/67)
    remaining: int  # units left in the last segment before another one starts
    non_gsm: tuple[str, ...]  # the characters that forced UCS-2, in order of appearance


def encoding_of(body: str) -> str:
    return GSM7 if all(ch in GSM_BASIC or ch in GSM_EXTENDED for ch in body) else UCS2


def _weights(body: str, encoding: str) -> list[int]:
    if encoding == GSM7:
        return [2 if ch in GSM_EXTENDED else 1 for ch in body]
    return [2 if ord(ch) > 0xFFFF else 1 for ch in body]  # astral chars are surrogate pairs


def _pack(weights: list[int], capacity: int) -> tuple[int, int]:
    """Segments used when filling parts of `capacity` without splitting a character, and the
    units free in the last part."""
    segments, used = 1, 0
    for w in weights:
        if used + w > capacity:
            segments += 1
            used = 0
        used += w
    return segments, capacity - used


def analyze(body: str) -> SmsInfo:
    """Encoding, length in units and segment count of `body` as the carrier will send it."""
    encoding = encoding_of(body)
    weights = _weights(body, encoding)
    units = sum(weights)
    non_gsm: tuple[str, ...] = ()
    if encoding == UCS2:
        non_gsm = tuple(dict.fromkeys(ch for ch in body if ch not in GSM_BASIC and ch not in GSM_EXTENDED))
    if units == 0:
        return SmsInfo(encoding, 0, 0, SINGLE_LIMIT[encoding], SINGLE_LIMIT[encoding], non_gsm)
    if units <= SINGLE_LIMIT[encoding]:
        limit = SINGLE_LIMIT[encoding]
        return SmsInfo(encoding, units, 1, limit, limit - units, non_gsm)
    limit = PART_LIMIT[encoding]
    segments, remaining = _pack(weights, limit)
    return SmsInfo(encoding, units, segments, limit, remaining, non_gsm)


def segment_count(body: str) -> int:
    return analyze(body).segments


def estimate_cost(
    *, body: str, recipients: int = 1, price_per_segment: Decimal | float | str = DEFAULT_PRICE_PER_SEGMENT
) -> Decimal:
    """Provider cost of sending `body` to `recipients`, rounded to the cent's hundredth."""
    return segments_cost(segments=segment_count(body), recipients=recipients, price_per_segment=price_per_segment)


def segments_cost(
    *, segments: int, recipients: int = 1, price_per_segment: Decimal | float | str = DEFAULT_PRICE_PER_SEGMENT
) -> Decimal:
    """Provider cost of `segments` per message to `recipients`, rounded to the cent's hundredth."""
    total = Decimal(str(price_per_segment)) * segments * max(recipients, 0)
    return total.quantize(Decimal("0.0001"), rounding=ROUND_HALF_UP)
