"""A list's search, filters, tab and page, kept in the page's address.

So a list can be shared as a link, survives a reload, and is where you left it when you come back
from a row's page (the browser's Back reopens the address, and `on_load` reads it). Each change
rewrites the address in place (`history.replaceState`): typing a search does not fill the
history, and does not make the page load again.

Pages are keyset cursors; the address carries the cursors of the pages before the one shown
(`pages=c2,c3`), so Previous works on a page opened from a link too.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from urllib.parse import urlencode

import reflex as rx
from reflex.event import EventSpec

MAX_PAGES = 200  # cursors read from an address; a longer chain is cut (nobody pages that far by hand)
MAX_VALUE = 500  # characters of one value read from an address


def address(path: str, params: Mapping[str, str]) -> str:
    """`path` with the non-empty `params` as its query."""
    given = {k: v for k, v in params.items() if v}
    return f"{path}?{urlencode(given)}" if given else path


def show_in_address(path: str, params: Mapping[str, str]) -> EventSpec:
    """Rewrite the address bar to `address(path, params)`, keeping the router's history entry."""
    return rx.call_script(f"window.history.replaceState(window.history.state, '', {json.dumps(address(path, params))})")


def asked(state: rx.State) -> dict[str, str]:
    """The query of the address the page was opened with, each value cut to `MAX_VALUE`."""
    query = state.router.url.query_parameters
    return {str(k): str(v)[:MAX_VALUE] for k, v in query.items() if isinstance(v, str)}


def chain(cursors: list[str]) -> str:
    """The cursors of the pages after the first, for the address."""
    return ",".join(c for c in cursors if c)


def cursors_from(value: str) -> list[str]:
    """The page cursors an address names (`chain`'s inverse), the first page's "" first."""
    return ["", *[c for c in value.split(",") if c][:MAX_PAGES]]
