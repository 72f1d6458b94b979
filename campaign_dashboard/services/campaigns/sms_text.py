"""How an SMS body travels: GSM-7 or UCS-2, how many segments, and what it costs.

One character outside the GSM 03.38 alphabet switches the whole message to UCS-2, which cuts a
segment from 160 to 70 characters; that is the surprise this module exists to show before sending.
Long messages are split into concatenated segments whose header eats 7 septets (GSM: 153 per part)
or 3 UTF-16 units (UCS-2: 67 per part); an escape pair or a surrogate pair is never split.

The characters that forced UCS-2 are listed as a person sees them: "🚶‍♀️" is one entry, not a
walker, an invisible joiner and a sign, and an invisible character on its own is named
("zero-width joiner") rather than shown as a blank.
"""

from __future__ import annotations

import unicodedata
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
    non_gsm: tuple[str, ...]  # what forced UCS-2, as seen (see `visible_non_gsm`), in order of appearance


def encoding_of(body: str) -> str:
    return GSM7 if all(ch in GSM_BASIC or ch in GSM_EXTENDED for ch in body) else UCS2


def _is_gsm(ch: str) -> bool:
    return ch in GSM_BASIC or ch in GSM_EXTENDED


ZWJ = "\u200d"
INVISIBLE_NAMES = {
    ZWJ: "zero-width joiner",
    "\u200c": "zero-width non-joiner",
    "\u200b": "zero-width space",
    "\u2060": "word joiner",
    "\ufeff": "zero-width no-break space",
    "\u00ad": "soft hyphen",
    "\u00a0": "non-breaking space",
    "\t": "tab",
}


def _joins_previous(ch: str) -> bool:
    """A character drawn as part of the one before it: a combining mark, a variation selector,
    a skin tone, a tag (subdivision flags), or the joiner itself."""
    code = ord(ch)
    return (
        ch == ZWJ
        or unicodedata.category(ch) in ("Mn", "Me", "Mc")
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
        or 0x1F3FB <= code <= 0x1F3FF
        or 0xE0020 <= code <= 0xE007F
    )


def _is_regional_indicator(ch: str) -> bool:
    return 0x1F1E6 <= ord(ch) <= 0x1F1FF


def clusters(text: str) -> list[str]:
    """`text` split into what a reader sees as single characters (a simple grapheme clustering:
    marks, selectors and skin tones stay with their base, ZWJ joins its neighbours, two regional
    indicators make one flag)."""
    out: list[str] = []
    joined = False  # the previous character was a ZWJ: this one belongs to the same cluster
    for ch in text:
        flag_half = out and _is_regional_indicator(ch) and len(out[-1]) == 1 and _is_regional_indicator(out[-1])
        if out and (joined or _joins_previous(ch) or flag_half):
            out[-1] += ch
        else:
            out.append(ch)
        joined = ch == ZWJ
    return out


def _silent(ch: str) -> bool:
    """Drawn as nothing at all: joiners, variation selectors, other format or space characters."""
    code = ord(ch)
    return (
        ch in INVISIBLE_NAMES
        or 0xFE00 <= code <= 0xFE0F
        or 0xE0100 <= code <= 0xE01EF
        or unicodedata.category(ch) in ("Cf", "Cc", "Zs", "Zl", "Zp")
    )


def _name(ch: str) -> str:
    if ch in INVISIBLE_NAMES:
        return INVISIBLE_NAMES[ch]
    if 0xFE00 <= ord(ch) <= 0xFE0F or 0xE0100 <= ord(ch) <= 0xE01EF:
        return "variation selector"
    return unicodedata.name(ch, f"U+{ord(ch):04X}").lower()


def _shown(cluster: str) -> list[str]:
    """How the non-GSM part of one cluster is listed: the cluster itself when something of it
    outside GSM is visible (an emoji, an accent), else the names of its invisible characters
    (a joiner between two plain letters, a selector after one, a mark with nothing to sit on)."""
    outside = [ch for ch in cluster if not _is_gsm(ch)]
    if not outside:
        return []
    if any(not _silent(ch) for ch in outside) and not all(_silent(ch) or _joins_previous(ch) for ch in cluster):
        return [cluster]
    return [_name(ch) for ch in outside]


def visible_non_gsm(body: str) -> tuple[str, ...]:
    """The characters of `body` outside GSM-7, once each, as a reader sees them (see `clusters`)."""
    return tuple(dict.fromkeys(shown for cluster in clusters(body) for shown in _shown(cluster)))


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
        non_gsm = visible_non_gsm(body)
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
