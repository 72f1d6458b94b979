"""Resend contacts and segments, in memory: enough for the app's segment mirroring to be tested."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any


def _now_iso() -> str:
    return time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime())


def segment_ids(fields: dict[str, Any]) -> list[str]:
    """The `segments` of a contact create: `[{"id": ...}]` as the API takes them (bare ids too)."""
    return [s["id"] if isinstance(s, dict) else s for s in fields.get("segments") or []]


class Directory:
    """Contacts keyed by id (findable by email) and segments holding contact ids."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self.contacts: dict[str, dict[str, Any]] = {}
        self.segments: dict[str, dict[str, Any]] = {}
        self.members: dict[str, set[str]] = {}

    def create_segment(self, name: str) -> dict[str, Any]:
        segment = {"object": "segment", "id": str(uuid.uuid4()), "name": name, "created_at": _now_iso()}
        with self._lock:
            self.segments[segment["id"]] = segment
            self.members[segment["id"]] = set()
        return segment

    def delete_segment(self, segment_id: str) -> bool:
        with self._lock:
            self.members.pop(segment_id, None)
            return self.segments.pop(segment_id, None) is not None

    def find(self, id_or_email: str) -> dict[str, Any] | None:
        with self._lock:
            if id_or_email in self.contacts:
                return self.contacts[id_or_email]
            wanted = id_or_email.lower()
            return next((c for c in self.contacts.values() if c["email"].lower() == wanted), None)

    def upsert_contact(self, fields: dict[str, Any]) -> dict[str, Any]:
        """Create, or update the contact with that email (Resend answers with the same id)."""
        existing = self.find(fields["email"])
        with self._lock:
            contact = existing or {
                "object": "contact",
                "id": str(uuid.uuid4()),
                "email": fields["email"],
                "first_name": None,
                "last_name": None,
                "unsubscribed": False,
                "created_at": _now_iso(),
            }
            for key in ("first_name", "last_name", "unsubscribed", "properties"):
                if key in fields:
                    contact[key] = fields[key]
            self.contacts[contact["id"]] = contact
        for segment_id in segment_ids(fields):
            self.add(contact["id"], segment_id)
        return contact

    def rename_segment(self, segment_id: str, name: str) -> None:
        with self._lock:
            self.segments[segment_id]["name"] = name

    def delete_contact(self, contact_id: str) -> None:
        with self._lock:
            self.contacts.pop(contact_id, None)
            for ids in self.members.values():
                ids.discard(contact_id)

    def add(self, contact_id: str, segment_id: str) -> bool:
        with self._lock:
            if segment_id not in self.members:
                return False
            self.members[segment_id].add(contact_id)
            return True

    def remove(self, contact_id: str, segment_id: str) -> bool:
        with self._lock:
            ids = self.members.get(segment_id)
            if ids is None or contact_id not in ids:
                return False
            ids.discard(contact_id)
            return True

    def segment_contacts(self, segment_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [self.contacts[i] for i in self.members.get(segment_id, ()) if i in self.contacts]

    def contact_segments(self, contact_id: str) -> list[dict[str, Any]]:
        with self._lock:
            return [self.segments[s] for s, ids in self.members.items() if contact_id in ids]

    def reset(self) -> None:
        with self._lock:
            self.contacts.clear()
            self.segments.clear()
            self.members.clear()
