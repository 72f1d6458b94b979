"""Browser hardening headers on every response of the backend: the REST API, the webhooks and,
since Reflex mounts itself inside our FastAPI app, the dashboard's pages and assets in `up`/prod.

The dashboard's policy allows what the compiled Reflex frontend needs: its inline bootstrap
scripts and styles (React Router, Radix, Plotly), eval (Reflex's call_script), images from
anywhere (email previews show remote images), the websocket to its own origin, and sandboxed
`srcdoc` preview iframes (which inherit this policy, so their inline styles are allowed and their
scripts never run: the sandbox has no allow-scripts). Nothing may frame the app (clickjacking),
plugins are off, forms and `<base>` stay on our origin. /api/docs (off in production) also needs
the Swagger UI from its CDN.
"""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send

APP_POLICY = "; ".join(
    [
        "default-src 'self'",
        # Reflex runs rx.call_script (the campaign form reads the browser's time zone with it) and
        # dynamic components through eval(): found by loading the app in Chromium under this policy.
        "script-src 'self' 'unsafe-inline' 'unsafe-eval'",
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob: https: http:",
        "font-src 'self' data:",
        "connect-src 'self'",  # CSP3: 'self' covers the websocket to the same host (ws:/wss:)
        "frame-src 'self' blob: data: about:",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ]
)
SWAGGER_CDN = "https://cdn.jsdelivr.net"
DOCS_POLICY = "; ".join(
    [
        "default-src 'self'",
        f"script-src 'self' 'unsafe-inline' {SWAGGER_CDN}",
        f"style-src 'self' 'unsafe-inline' {SWAGGER_CDN}",
        "img-src 'self' data: https://fastapi.tiangolo.com",
        "frame-ancestors 'none'",
        "object-src 'none'",
        "base-uri 'self'",
    ]
)


class SecurityHeaders:
    """Pure ASGI (no per-request task like BaseHTTPMiddleware): webhooks are the hot path."""

    def __init__(self, app: ASGIApp, *, docs_path: str | None = None, hsts: bool = False) -> None:
        self.app = app
        self.docs_path = docs_path
        common = [
            (b"x-content-type-options", b"nosniff"),
            (b"x-frame-options", b"DENY"),
            (b"referrer-policy", b"strict-origin-when-cross-origin"),
            (b"cross-origin-opener-policy", b"same-origin"),
        ]
        if hsts:  # only when the public address is https: browsers then refuse plain http
            common.append((b"strict-transport-security", b"max-age=31536000; includeSubDomains"))
        self.app_headers = [*common, (b"content-security-policy", APP_POLICY.encode())]
        self.docs_headers = [*common, (b"content-security-policy", DOCS_POLICY.encode())]

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra = self.docs_headers if self.docs_path and scope["path"] == self.docs_path else self.app_headers

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                message["headers"] = [*message.get("headers", []), *(h for h in extra if h[0] not in present)]
            await send(message)

        await self.app(scope, receive, send_with_headers)
