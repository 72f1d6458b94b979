"""What each role may do; checked by the services' callers on every request, UI and API alike."""

from __future__ import annotations

from campaign_dashboard.models import Role
from campaign_dashboard.services.errors import PermissionDenied

_RANK = {Role.VIEWER: 0, Role.MARKETER: 1, Role.ADMIN: 2}


def require_role(actual: str, needed: Role) -> None:
    """Raise PermissionDenied unless `actual` is at least `needed` (viewer < marketer < admin)."""
    if _RANK[Role(actual)] < _RANK[needed]:
        raise PermissionDenied(f"This needs the {needed.value} role; you are {actual}.")


def can_write(role: str) -> bool:
    return _RANK[Role(role)] >= _RANK[Role.MARKETER]
