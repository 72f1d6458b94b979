"""The emulator's Resend segments as the SDK calls them for mirroring: rename, and contacts created
straight into a segment (`segments: [{"id": ...}]`)."""

from __future__ import annotations

import pytest
import resend
from resend.exceptions import ResendError

pytestmark = pytest.mark.usefixtures("send_email")


def test_a_contact_created_into_a_segment_is_a_member_and_a_segment_can_be_renamed(emu):
    segment = resend.Segments.create({"name": "VIP"})["id"]
    resend.Contacts.create({"email": "vip@example.com", "unsubscribed": True, "segments": [{"id": segment}]})
    resend.Segments.update(segment, {"name": "VIP (2026)"})

    [member] = resend.Contacts.list(segment_id=segment)["data"]
    assert (member["email"], member["unsubscribed"]) == ("vip@example.com", True)
    assert resend.Segments.get(segment)["name"] == "VIP (2026)"


def test_creating_a_contact_into_an_unknown_segment_is_refused_and_creates_nothing(emu):
    with pytest.raises(ResendError) as refused:
        resend.Contacts.create({"email": "vip@example.com", "segments": [{"id": "no-such-segment"}]})
    assert str(refused.value.code) == "404"
    with pytest.raises(ResendError):
        resend.Contacts.get(email="vip@example.com")
