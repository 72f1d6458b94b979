"""A minimal keep-alive HTTP poster for webhooks: several times less CPU per POST than httpx.

The emulator shares two cores with the app it feeds; per-webhook overhead is what limits how fast
the world can talk back, so each sender thread keeps one plain `http.client` connection per host.
"""

from __future__ import annotations

import http.client
from urllib.parse import urlsplit

TIMEOUT_S = 5.0


class Poster:
    """Not thread-safe: one per sender thread."""

    def __init__(self) -> None:
        self._connections: dict[tuple[str, str, int | None], http.client.HTTPConnection] = {}

    def post(self, url: str, body: bytes, headers: dict[str, str]) -> tuple[int, bytes]:
        """(status, body); raises OSError / http.client.HTTPException when the app is unreachable."""
        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname or "", parts.port)
        path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        for attempt in (1, 2):  # a kept-alive connection the server closed fails once, then reconnects
            connection = self._connections.get(key) or self._connect(key)
            try:
                connection.request("POST", path, body=body, headers=headers)
                response = connection.getresponse()
                content = response.read()
                if response.will_close:
                    self._drop(key)
                return response.status, content
            except (OSError, http.client.HTTPException):
                self._drop(key)
                if attempt == 2:
                    raise
        raise AssertionError("unreachable")

    def _connect(self, key: tuple[str, str, int | None]) -> http.client.HTTPConnection:
        scheme, host, port = key
        kind = http.client.HTTPSConnection if scheme == "https" else http.client.HTTPConnection
        connection = self._connections[key] = kind(host, port, timeout=TIMEOUT_S)
        return connection

    def _drop(self, key: tuple[str, str, int | None]) -> None:
        connection = self._connections.pop(key, None)
        if connection is not None:
            connection.close()

    def close(self) -> None:
        for key in list(self._connections):
            self._drop(key)
