"""What a marketer sees before sending an SMS: encoding, segments and cost."""

from __future__ import annotations

from decimal import Decimal

import pytest

from campaign_dashboard.services.campaigns.sms_text import (
    GSM7,
    UCS2,
    analyze,
    encoding_of,
    estimate_cost,
    segment_count,
)


def test_plain_text_is_gsm7_and_fits_160_characters_in_one_segment():
    info = analyze("a" * 160)
    assert (info.encoding, info.units, info.segments, info.remaining) == (GSM7, 160, 1, 0)


def test_one_character_more_needs_two_segments_of_153():
    info = analyze("a" * 161)
    assert (info.segments, info.per_segment) == (2, 153)
    assert analyze("a" * 306).segments == 2
    assert analyze("a" * 307).segments == 3


@pytest.mark.parametrize("ch", list("^{}\\[~]|€"))
def test_extension_characters_are_gsm_but_count_twice(ch):
    assert encoding_of(ch) == GSM7
    assert analyze(ch).units == 2
    assert analyze(ch * 80).segments == 1
    assert analyze(ch * 81).segments == 2


def test_an_escape_pair_is_never_split_between_segments():
    # 152 plain septets then one two-septet character: it cannot start in the 153rd slot.
    info = analyze("a" * 152 + "€" + "a" * 10)
    assert info.units == 164
    assert info.segments == 2
    assert info.remaining == 153 - 12


def test_gsm_accents_stay_gsm7_but_other_accents_switch_to_ucs2():
    assert encoding_of("Café à Zürich, ¿qué? Ñ") == GSM7
    info = analyze("Olá, ção")
    assert info.encoding == UCS2
    assert info.non_gsm == ("á", "ç", "ã")


def test_ucs2_fits_70_units_then_67_per_segment():
    assert analyze("ç" * 70).segments == 1
    assert analyze("ç" * 71).segments == 2
    assert analyze("ç" * 134).segments == 2
    assert analyze("ç" * 135).segments == 3


def test_emoji_are_surrogate_pairs_counting_two_units_and_never_split():
    info = analyze("😀" * 35)
    assert (info.encoding, info.units, info.segments) == (UCS2, 70, 1)
    assert analyze("a" * 66 + "😀").segments == 1  # 68 units, still one 70-unit segment
    assert analyze("a" * 69 + "😀").segments == 2  # 71 units: over the single-segment limit


def test_empty_body_has_no_segments():
    assert segment_count("") == 0


def test_cost_is_price_per_segment_times_segments_times_recipients():
    assert estimate_cost(body="hello", recipients=1000) == Decimal("7.9000")
    assert estimate_cost(body="a" * 161, recipients=1000) == Decimal("15.8000")
    assert estimate_cost(body="hello", recipients=3, price_per_segment="0.05") == Decimal("0.1500")
    assert estimate_cost(body="hello", recipients=0) == Decimal("0")
