"""Keeping a page live: when may a background polling loop go on?

A loop started by a page's on_load re-reads cheap markers every second or two. It must end when
the user leaves the page (the router moves on) or closes the tab (its websocket is gone), or it
would poll for nobody; the page's on_load starts a new one when the user comes back.
"""

from __future__ import annotations

import reflex as rx

POLL_SECONDS = 1.5


async def client_connected(state: rx.State) -> bool:
    """Whether the browser tab behind `state` still has a websocket, to this backend process or,
    with Redis, to another one (Reflex relays the updates there). Asked the way Reflex's own
    shared-state updates ask it."""
    from campaign_dashboard.campaign_dashboard import app  # the running app; imported late (it imports us)

    namespace = app.event_namespace
    if namespace is None:
        return True
    return await namespace._token_manager.is_token_connected(state.router.session.client_token)


async def still_watching(state: rx.State, *routes: str) -> bool:
    """The tab is open and still shows one of `routes`."""
    return state.router.url.path.rstrip("/") in routes and await client_connected(state)
