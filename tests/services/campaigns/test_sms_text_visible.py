"""The characters that force an SMS to UCS-2 are listed as the marketer sees them: an emoji made
of several code points is one entry, and an invisible character is named, never a blank."""

from __future__ import annotations

from campaign_dashboard.services.campaigns.sms_text import UCS2, analyze, clusters, visible_non_gsm

WOMAN_WALKING = "\U0001f6b6\u200d\u2640\ufe0f"  # 🚶 + zero-width joiner + ♀ + variation selector


def test_a_joined_emoji_is_one_entry_not_its_invisible_parts():
    info = analyze(f"Walk with us {WOMAN_WALKING} today")
    assert info.encoding == UCS2
    assert info.non_gsm == (WOMAN_WALKING,)


def test_flags_skin_tones_and_combining_accents_stay_whole():
    flag, thumbs = "\U0001f1f5\U0001f1f9", "\U0001f44d\U0001f3fd"  # 🇵🇹, 👍🏽
    accented = "e\u0301"  # e + combining acute: looks like é
    assert visible_non_gsm(f"Cafe\u0301 {flag} {thumbs} {thumbs} ç") == (accented, flag, thumbs, "ç")


def test_invisible_characters_on_their_own_are_named():
    assert visible_non_gsm("Hi\u200dthere") == ("zero-width joiner",)
    assert visible_non_gsm("OK\ufe0f") == ("variation selector",)
    assert visible_non_gsm("a\u200bb\u00a0c") == ("zero-width space", "non-breaking space")
    assert visible_non_gsm("\u0301x") == ("combining acute accent",)


def test_clusters_keep_a_family_emoji_together():
    family = "\U0001f468\u200d\U0001f469\u200d\U0001f467"
    assert clusters(f"a{family}b") == ["a", family, "b"]


def test_plain_gsm_text_lists_nothing():
    assert analyze("Hello {name}, 20% off!").non_gsm == ()
