"""The small interface segment mirroring needs from an email provider's contact lists.

Errors follow `base`: RetryableError (429, 5xx, timeouts), FatalError (bad credentials: nothing
can be mirrored), and `Refused` for one contact the provider will not take (an invalid address).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol

from campaign_dashboard.providers.base import ProviderError


class Refused(ProviderError):
    """The provider will never take this contact as sent: record it and go on."""


class Gone(ProviderError):
    """The remote segment no longer exists (deleted on the provider's side)."""


@dataclass(frozen=True)
class RemoteContact:
    email: str
    first_name: str = ""
    last_name: str = ""
    unsubscribed: bool = False


class AudienceProvider(Protocol):
    def find_segment(self, name: str) -> list[str]:
        """Ids of the remote segments called exactly `name`."""

    def create_segment(self, name: str) -> str: ...

    def rename_segment(self, segment_id: str, name: str) -> None:
        """Raises Gone if the segment no longer exists."""

    def delete_segment(self, segment_id: str) -> None:
        """Delete it; a segment that is already gone counts as deleted."""

    def put_contact(self, segment_id: str, contact: RemoteContact, *, add: bool) -> None:
        """Create or update the contact with these fields; with `add`, also make it a member.
        Raises Gone if the segment no longer exists."""

    def remove_contact(self, segment_id: str, email: str) -> None:
        """Take the contact out of the segment (not out of the account); already out is fine."""
