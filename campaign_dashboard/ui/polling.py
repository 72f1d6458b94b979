"""Keeping a page live: when may a background polling loop go on, and the loop the live pages share.

A loop started by a page's on_load re-reads cheap markers every second or two. It must end when
the user leaves the page (the router moves on) or closes the tab (its websocket is gone), or it
would poll for nobody; the page's on_load starts a new one when the user comes back.
"""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable
from typing import Any, Protocol

import reflex as rx
from reflex_base.registry import RegistrationContext
from reflex_base.utils.exceptions import ReflexRuntimeError

POLL_SECONDS = 1.5
LIVE_POLL_SECONDS = 1.0  # the overview and a campaign's page


async def client_connected(state: rx.State) -> bool:
    """Whether the browser tab behind `state` still has a websocket, to this backend process or,
    with Redis, to another one (Reflex relays the updates there). Asked the way Reflex's own
    shared-state updates ask it: through the app the running App registered at its creation."""
    try:
        namespace = RegistrationContext.get().app.event_namespace
    except (LookupError, ReflexRuntimeError):  # no app running (a state used outside the server)
        return True
    if namespace is None:
        return True
    return await namespace._token_manager.is_token_connected(state.router.session.client_token)


async def still_watching(state: Any, *routes: str) -> bool:
    """The tab is open, still shows one of `routes` and is signed in (`state` is an `AuthState`,
    inside its lock: a session that ended sends the tab to the login page)."""
    if state.router.url.path.rstrip("/") not in routes or not await client_connected(state):
        return False
    if await asyncio.to_thread(state._caller) is not None:  # the database, off the event loop
        return True
    state._signed_in()  # finds nobody: the frame sends the tab to log in
    return False


class LiveRead(Protocol):
    """What a live page asks for: `read()` runs in a thread, outside the state lock."""

    def read(self) -> Any: ...


class LivePage(Protocol):
    """A page state `follow` can keep live (an `AuthState` with these)."""

    marker: str  # what the page shows was read when the marker was this
    _poll_id: str  # the page's current loop; a load starts a new one and retires the old

    def _live_path(self) -> str: ...  # the page's path, without the trailing slash
    def _marker_reader(self) -> Callable[[], str]: ...  # the cheap "did anything move?" read
    def _live_read(self) -> LiveRead: ...  # what to read when it moved
    def _apply_live(self, request: LiveRead, snapshot: Any) -> None: ...


def new_poll_id() -> str:
    """A load's loop id: storing it in `_poll_id` retires the loop an earlier load started."""
    return uuid.uuid4().hex


def _still_wanted(state: Any, poll_id: str) -> bool:
    """This loop is the page's current one, someone is signed in and still on the page."""
    path = str(state.router.url.path).rstrip("/")
    return state._poll_id == poll_id and bool(state.user_email) and path == state._live_path()


def _tick(state: Any, read_marker: Callable[[], str]) -> tuple[bool, str]:
    """A loop's reads (in a thread, outside the lock): is the session still on, and the marker."""
    if state._caller() is None:
        return False, ""
    return True, read_marker()


async def follow(state: Any, poll_id: str, *, seconds: float = LIVE_POLL_SECONDS) -> None:
    """The live pages' loop: every `seconds`, has the page's marker moved? Then read what the page
    shows and apply it. Reads run in a thread outside the state lock; the loop ends when the user
    leaves the page, a newer loop replaces it or the session ends (then the tab goes to the login
    page: logged out in another tab, expired). `state` is a `LivePage`."""
    while True:
        await asyncio.sleep(seconds)
        async with state:
            if not _still_wanted(state, poll_id):
                return
            state._check_workers()
            shown, read_marker = state.marker, state._marker_reader()
        signed_in, marker = await asyncio.to_thread(_tick, state, read_marker)
        if not signed_in:
            async with state:
                state._signed_in()  # finds nobody: the frame sends the tab to log in
            return
        if marker == shown:
            continue
        async with state:
            if not (_still_wanted(state, poll_id) and state._signed_in()):
                return
            request = state._live_read()
        snapshot = await asyncio.to_thread(request.read)
        async with state:
            if not _still_wanted(state, poll_id):
                return
            state._apply_live(request, snapshot)
