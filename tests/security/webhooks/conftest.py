"""Fixtures for the webhook security tests: the app under a chosen configuration."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from fastapi.testclient import TestClient

from tests.fixtures.webhook_client import client  # noqa: F401 - the fixture
from tests.helpers.events import BASE_URL, SessionAwareClient

STRONG_SECRET_KEY = "Jq3vX9-tLr2mPz8KdW0sYbN5cHf7GeA1uRi4oVx6"
PROVIDER_VARIABLES = (
    "RESEND_API_KEY",
    "RESEND_WEBHOOK_SECRET",
    "RESEND_API_URL",
    "TWILIO_ACCOUNT_SID",
    "TWILIO_AUTH_TOKEN",
    "TWILIO_API_URL",
    "TWILIO_HANDLES_KEYWORDS",
)


@pytest.fixture
def configure(monkeypatch: pytest.MonkeyPatch) -> Callable[..., None]:
    """Set exactly these settings (provider variables not given are unset)."""
    from campaign_dashboard.config import get_settings

    def apply(**env: str) -> None:
        for name in PROVIDER_VARIABLES:
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("PUBLIC_BASE_URL", BASE_URL)
        monkeypatch.setenv("SECRET_KEY", STRONG_SECRET_KEY)
        for name, value in env.items():
            monkeypatch.setenv(name, value)
        get_settings.cache_clear()

    yield apply
    get_settings.cache_clear()


@pytest.fixture
def app_client(engine, session) -> Iterator[Callable[[], TestClient]]:
    """Opens a client on a fresh app once the test has configured the settings."""
    from campaign_dashboard.api import create_api

    opened: list[TestClient] = []

    def open_client() -> TestClient:
        http = SessionAwareClient(create_api(), base_url=BASE_URL)
        http.__enter__()
        http.test_session = session
        opened.append(http)
        return http

    yield open_client
    for each in opened:
        each.__exit__(None, None, None)
