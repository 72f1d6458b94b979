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


def body(response: dict) -> dict:
    """The SDK's answer without the `http_headers` it adds."""
    return {k: v for k, v in response.items() if k != "http_headers"}


def test_deleting_an_unknown_segment_or_contact_answers_deleted_like_resend(emu):
    assert body(resend.Segments.remove("78261eea-8f8b-4381-83c6-79fa7120f1cf")) == {
        "object": "segment",
        "id": "78261eea-8f8b-4381-83c6-79fa7120f1cf",
        "deleted": True,
    }
    assert body(resend.Contacts.remove(email="nobody@example.com")) == {
        "object": "contact",
        "id": "nobody@example.com",
        "deleted": True,
    }


def test_adding_to_a_segment_answers_200_with_the_contact_segment(emu):
    import httpx

    segment = resend.Segments.create({"name": "VIP"})["id"]
    contact = resend.Contacts.create({"email": "vip@example.com"})["id"]
    answer = httpx.post(
        f"{emu.url}/contacts/{contact}/segments/{segment}", headers={"Authorization": f"Bearer {resend.api_key}"}
    )
    assert answer.status_code == 200
    assert answer.json() == {"object": "contact_segment", "contact_id": contact, "segment_id": segment}
    removed = body(resend.Contacts.Segments.remove({"segment_id": segment, "contact_id": contact}))
    assert removed == {"object": "contact_segment", "contact_id": contact, "segment_id": segment, "deleted": True}
