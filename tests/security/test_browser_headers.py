"""What a browser is told by every backend response (issue 9, section 6): no cross-origin access
with credentials except for the app's own origin and the CORS_ALLOWED_ORIGINS list, hardening
headers on the API and on the pages Reflex serves through the same app, and no public /api/docs
in production."""

from __future__ import annotations

import os

import pytest
from fastapi.testclient import TestClient
from starlette.applications import Starlette
from starlette.responses import HTMLResponse
from starlette.routing import Route

from campaign_dashboard.api import create_api
from campaign_dashboard.config import get_settings

EVIL = "https://evil.example"
HARDENING = {
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "strict-origin-when-cross-origin",
}

STRONG_KEY = "Jq3vX9-tLr2mPz8KdW0sYbN5cHf7GeA1uRi4oVx6"  # production refuses weak keys


@pytest.fixture
def settings_env():
    """Set environment variables for a fresh Settings; afterwards restores them, the cached
    settings and Reflex's config (which the CORS tests reload from rxconfig)."""
    saved = dict(os.environ)

    def apply(**values: str) -> None:
        os.environ.update(values)
        get_settings.cache_clear()

    yield apply
    os.environ.clear()
    os.environ.update(saved)
    get_settings.cache_clear()
    from reflex_base.config import reload_config

    reload_config()


def _app_as_reflex_serves_it():
    """Our FastAPI app the way Reflex wraps it: its CORS middleware (from rxconfig) added, and the
    Reflex backend with the compiled pages mounted inside it at ""."""
    from reflex.app import App
    from reflex_base.config import reload_config

    reload_config()
    api = create_api()
    App._add_cors(api)
    pages = Starlette(routes=[Route("/campaigns", lambda _: HTMLResponse("<html>dashboard</html>"))])
    api.mount("", pages)
    return api


def test_cors_does_not_reflect_a_foreign_origin(settings_env):
    settings_env(PUBLIC_BASE_URL="https://campaigns.example.com", ENV="test")
    client = TestClient(_app_as_reflex_serves_it())
    preflight = client.options(
        "/api/v1/contacts",
        headers={
            "Origin": EVIL,
            "Access-Control-Request-Method": "DELETE",
            "Access-Control-Request-Headers": "authorization",
        },
    )
    assert preflight.headers.get("access-control-allow-origin") != EVIL
    assert preflight.status_code >= 400
    simple = client.get("/api/health", headers={"Origin": EVIL, "Cookie": "session=x"})
    assert "access-control-allow-origin" not in simple.headers
    own = client.options(
        "/api/v1/contacts", headers={"Origin": "https://campaigns.example.com", "Access-Control-Request-Method": "GET"}
    )
    assert own.headers.get("access-control-allow-origin") == "https://campaigns.example.com"


def test_cors_allow_list_setting(settings_env):
    settings_env(
        PUBLIC_BASE_URL="https://campaigns.example.com",
        ENV="production",
        SECRET_KEY=STRONG_KEY,
        CORS_ALLOWED_ORIGINS="https://crm.example.com, https://bi.example.com:8443/",
    )
    client = TestClient(_app_as_reflex_serves_it())
    for origin in ("https://crm.example.com", "https://bi.example.com:8443"):
        response = client.options(
            "/api/v1/contacts", headers={"Origin": origin, "Access-Control-Request-Method": "GET"}
        )
        assert response.headers.get("access-control-allow-origin") == origin
    # production does not let loopback pages in: only the public origin and the list
    local = client.options(
        "/api/v1/contacts", headers={"Origin": "http://127.0.0.1:3000", "Access-Control-Request-Method": "GET"}
    )
    assert "access-control-allow-origin" not in local.headers


@pytest.mark.parametrize(
    "path", ["/api/health", "/api/v1/contacts", "/api/v1/nothing-here", "/campaigns", "/api/openapi.json"]
)
def test_hardening_headers_on_api_and_pages(settings_env, path):
    settings_env(ENV="test", PUBLIC_BASE_URL="http://127.0.0.1:8000")
    response = TestClient(_app_as_reflex_serves_it()).get(path)
    for name, value in HARDENING.items():
        assert response.headers.get(name) == value, (path, name)
    policy = response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in policy
    assert "object-src 'none'" in policy
    assert "strict-transport-security" not in response.headers  # plain http: HSTS would lock people out


def test_https_public_address_adds_hsts(settings_env):
    settings_env(ENV="test", PUBLIC_BASE_URL="https://campaigns.example.com")
    response = TestClient(create_api()).get("/api/health")
    assert response.headers["strict-transport-security"].startswith("max-age=")


def test_api_docs_are_off_in_production(settings_env):
    settings_env(ENV="production", SECRET_KEY=STRONG_KEY)
    client = TestClient(create_api())
    assert client.get("/api/docs").status_code == 404
    settings_env(API_DOCS="true")
    assert TestClient(create_api()).get("/api/docs").status_code == 200


def test_api_docs_in_development_get_a_policy_that_lets_swagger_load(settings_env):
    settings_env(ENV="development")
    response = TestClient(create_api()).get("/api/docs")
    assert response.status_code == 200
    assert "https://cdn.jsdelivr.net" in response.text
    assert "https://cdn.jsdelivr.net" in response.headers["content-security-policy"]
