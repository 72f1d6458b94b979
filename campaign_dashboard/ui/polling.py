"""Keeping a page live: when may a background polling loop go on?

A loop started by a page's on_load re-reads cheap markers every second or two. It must end when
the user leaves the page (the router moves on) or closes the tab (its websocket is gone), or it
would poll for nobody; the page's on_load starts a new one when the user comes back.
"""

from __future__ import annotations

import reflex as rx

POLL_SECONDS = 1.5


def client_connected(state: rx.State) -> bool:
    """Whether the browser tab behind `state` still has its websocket to this backend process
    (background tasks run in the process that holds the tab's connection)."""
    from campaign_dashboard.campaign_dashboard import app  # the running app; imported late (it imports us)

    namespace = app.event_namespace
    return namespace is None or state.router.session.client_token in namespace.token_to_sid


def still_watching(state: rx.State, *routes: str) -> bool:
    """The tab is open and still shows one of `routes`."""
    return state.router.url.path.rstrip("/") in routes and client_connected(state)
