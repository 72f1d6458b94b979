"""Reflex configuration. With REDIS_URL set, Reflex keeps state in Redis so several backend
workers (on several hosts) can serve the same users. CORS: the app's own origin, plus
CORS_ALLOWED_ORIGINS (campaign_dashboard/web_origins.py)."""

import os

import reflex as rx

from campaign_dashboard.config import get_settings
from campaign_dashboard.web_origins import allowed_origins

config = rx.Config(
    app_name="campaign_dashboard",
    telemetry_enabled=False,
    show_built_with_reflex=False,
    redis_url=os.environ.get("REFLEX_REDIS_URL") or os.environ.get("REDIS_URL") or None,
    frontend_port=int(os.environ.get("FRONTEND_PORT", "3000")),
    backend_port=int(os.environ.get("BACKEND_PORT", "8000")),
    # Reflex's default "*" reflected any Origin with credentials (HTTP CORS and the websocket).
    cors_allowed_origins=allowed_origins(get_settings()),
    plugins=[
        rx.plugins.SitemapPlugin(),
        # The theme lives here: App(theme=...) is deprecated since Reflex 0.9.
        rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", gray_color="slate", radius="medium")),
    ],
)
