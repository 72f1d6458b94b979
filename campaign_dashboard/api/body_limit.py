"""A cap on request bodies under /api/v1, so a 100 MB JSON document is refused before it is read
into memory and parsed. The cap sits well above what the field limits allow (services/limits.py:
200,000 characters of HTML are at most 1.2 MB as escaped JSON); the CSV import route reads its
upload itself with its own limit."""

from __future__ import annotations

import json

from starlette.types import ASGIApp, Message, Receive, Scope, Send

MAX_BODY_BYTES = 2 * 1024 * 1024
PREFIX = "/api/v1/"
OWN_LIMIT = ("/api/v1/contacts/import",)


class BodyLimit:
    def __init__(self, app: ASGIApp, *, max_bytes: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path = scope.get("path", "")
        if scope["type"] != "http" or not path.startswith(PREFIX) or path in OWN_LIMIT:
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers", [])).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.max_bytes:
            await self._refuse(send)
            return
        seen = 0
        too_large = False

        async def counting_receive() -> Message:
            nonlocal seen, too_large
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_bytes:
                    # Tell the app the client left, so it never acts on part of a body (the
                    # framework answers that with a 400), and answer 413 in its place.
                    too_large = True
                    return {"type": "http.disconnect"}
            return message

        async def replacing_send(message: Message) -> None:
            if not too_large:
                await send(message)
            elif message["type"] == "http.response.start":
                await self._refuse(send)

        await self.app(scope, counting_receive, replacing_send)

    async def _refuse(self, send: Send) -> None:
        message = f"The request body is larger than {self.max_bytes:,} bytes."
        body = json.dumps(
            {
                "error": {
                    "code": "payload_too_large",
                    "message": message,
                    "details": [{"field": "body", "message": message}],
                }
            }
        ).encode()
        await send(
            {
                "type": "http.response.start",
                "status": 413,
                "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
            }
        )
        await send({"type": "http.response.body", "body": body})
