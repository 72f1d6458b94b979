"""Which browser origins may call the app with credentials (CORS and the Reflex websocket).

Reflex's own CORS middleware and Socket.IO server take `cors_allowed_origins` from rxconfig; its
default `*` reflected any Origin with credentials. We give it the app's own origin (from
PUBLIC_BASE_URL), outside production also the loopback addresses of the backend and of the dev
frontend (`reflex run` serves the pages on FRONTEND_PORT), plus the CORS_ALLOWED_ORIGINS list.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from campaign_dashboard.config import Settings


def origin_of(url: str) -> str:
    """`https://example.com:8443/x` -> `https://example.com:8443` (default ports dropped)."""
    parts = urlsplit(url.strip())
    if not parts.scheme or not parts.hostname:
        raise ValueError(f"{url!r} is not an absolute URL")
    default = {"http": 80, "https": 443}.get(parts.scheme)
    port = f":{parts.port}" if parts.port and parts.port != default else ""
    host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
    return f"{parts.scheme}://{host}{port}"


def allowed_origins(settings: Settings) -> list[str]:
    origins = [origin_of(settings.public_base_url)]
    if settings.env != "production":
        for port in (settings.backend_port, settings.frontend_port):
            origins += [f"http://127.0.0.1:{port}", f"http://localhost:{port}"]
    origins += [origin_of(o) for o in settings.cors_allowed_origins.split(",") if o.strip()]
    return list(dict.fromkeys(origins))
