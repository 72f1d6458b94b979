"""Resend contacts and segments through the official `resend` SDK, for segment mirroring.

Contacts are global in Resend and found by email; a segment holds references to them. Whether a
contact already exists is not known up front, so a put updates first and creates (straight into
the segment) only when the update answers 404: the same two-call path for new and known contacts.
"""

from __future__ import annotations

import contextlib

import resend
from resend.exceptions import ResendError

from campaign_dashboard.providers.audience import Gone, Refused, RemoteContact
from campaign_dashboard.providers.resend_email import _KeepAliveClient, raise_shared_failure

PAGE = 100  # Resend's largest list page


class ResendAudienceProvider:
    def __init__(self, *, api_key: str, api_url: str, timeout: float = 20.0) -> None:
        # The SDK keeps its configuration in module globals: one account per process, shared
        # with the email adapter, which sets the same values.
        resend.api_key = api_key
        resend.api_url = api_url.rstrip("/")
        resend.default_http_client = _KeepAliveClient(timeout)

    def find_segment(self, name: str) -> list[str]:
        found, after = [], None
        while True:
            params: resend.Segments.ListParams = {"limit": PAGE}
            if after:
                params["after"] = after
            page = _call(resend.Segments.list, params)
            found += [s["id"] for s in page["data"] if s.get("name") == name]
            if not page.get("has_more") or not page["data"]:
                return found
            after = page["data"][-1]["id"]

    def create_segment(self, name: str) -> str:
        return _call(resend.Segments.create, {"name": name})["id"]

    def rename_segment(self, segment_id: str, name: str) -> None:
        _call(resend.Segments.update, segment_id, {"name": name})

    def delete_segment(self, segment_id: str) -> None:
        with contextlib.suppress(Gone):
            _call(resend.Segments.remove, segment_id)

    def put_contact(self, segment_id: str, contact: RemoteContact, *, add: bool) -> None:
        fields = {
            "email": contact.email,
            "first_name": contact.first_name,
            "last_name": contact.last_name,
            "unsubscribed": contact.unsubscribed,
        }
        try:
            _call(resend.Contacts.update, fields)
        except Gone:  # not a contact yet (here a 404 means the contact, not the segment)
            _call(resend.Contacts.create, {**fields, "segments": [{"id": segment_id}]})
            return
        if add:
            _call(resend.Contacts.Segments.add, {"segment_id": segment_id, "email": contact.email})

    def remove_contact(self, segment_id: str, email: str) -> None:
        with contextlib.suppress(Gone):  # the contact or the segment is gone: either way it is not a member
            _call(resend.Contacts.Segments.remove, {"segment_id": segment_id, "email": email})


def _call(method, *args):
    """One SDK call with its failure sorted into the kinds the mirror acts on."""
    try:
        return method(*args)
    except ResendError as exc:
        raise_shared_failure(exc)
        code = str(exc.code)
        if code == "404":
            raise Gone(f"Resend 404: {exc.message}") from exc
        raise Refused(f"Resend {code}: {exc.message}") from exc
