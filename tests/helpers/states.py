"""Dashboard states as Reflex runs them for a signed-in user: a websocket's state tree whose
connection request carried that user's session cookie."""

from __future__ import annotations

from reflex.istate.data import HeaderData
from reflex.state import State

from campaign_dashboard.models import Role, User
from campaign_dashboard.services.accounts import users
from campaign_dashboard.ui.auth import SESSION_COOKIE


def signed_in(session, state_class, role: Role, *, other_cookies: str = "") -> tuple[object, User]:
    """A fresh state of `state_class` and the new user with `role` (`<role>@states.example`)
    whose session cookie it carries, after `other_cookies` as a browser would send them."""
    user = users.create_user(
        session=session,
        email=f"{role.value}@states.example",
        name=role.value,
        password="long-enough-password",
        role=role,
    )
    root = State(_reflex_internal_init=True)
    cookie = f"{SESSION_COOKIE}={users.create_session(session=session, user=user)}"
    root.rx_router_headers = HeaderData(cookie=f"{other_cookies}; {cookie}" if other_cookies else cookie)
    return root.get_substate(state_class.get_full_name().split(".")), user
