"""The deploy files name only commands, flags, ports and settings that exist: a renamed setting
or subcommand breaks this test, not a production rollout."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml

from campaign_dashboard.api import create_api
from campaign_dashboard.cli import build_parser
from campaign_dashboard.config import Settings

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"
COMPOSE = yaml.safe_load((DEPLOY / "compose.yaml").read_text())
SERVICES = COMPOSE["services"]
APP_SERVICES = [name for name, svc in SERVICES.items() if (svc.get("command") or [""])[0] == "campaign-dashboard"]
# Variables the deploy files use for themselves, not settings of the app.
DEPLOY_ONLY = {"DOMAIN", "POSTGRES_PASSWORD"}


def _settings_names() -> set[str]:
    return {name.upper() for name in Settings.model_fields}


def _dockerfile_cmd() -> list[str]:
    line = next(line_ for line_ in (DEPLOY / "Dockerfile").read_text().splitlines() if line_.startswith("CMD "))
    return json.loads(line[len("CMD ") :])


def test_the_app_services_are_web_worker_and_migrate():
    assert {SERVICES[name]["command"][1] for name in APP_SERVICES} == {"web", "worker", "migrate"}


@pytest.mark.parametrize(
    "argv",
    [SERVICES[name]["command"] for name in APP_SERVICES] + [_dockerfile_cmd()],
    ids=lambda argv: " ".join(argv[1:3]),
)
def test_every_command_parses_with_the_real_cli(argv):
    assert argv[0] == "campaign-dashboard"
    args = build_parser().parse_args(argv[1:])  # exits (SystemExit) on an unknown command or flag
    assert callable(args.handler)


def test_every_variable_is_a_setting_or_a_deploy_variable():
    names = set()
    for line in (DEPLOY / ".env.example").read_text().splitlines():
        if line and not line.startswith("#"):
            names.add(line.split("=", 1)[0])
    for name in APP_SERVICES:
        names |= set(SERVICES[name].get("environment", {}))
    unknown = names - _settings_names() - DEPLOY_ONLY
    assert not unknown, f"not settings of the app: {sorted(unknown)}"
    assert {
        "SECRET_KEY",
        "PUBLIC_BASE_URL",
        "DATABASE_URL",
        "REDIS_URL",
        "RESEND_WEBHOOK_SECRET",
        "TWILIO_AUTH_TOKEN",
    } <= names


def test_compose_interpolates_only_variables_of_the_env_file():
    used = set(re.findall(r"\$\{(\w+)\}", (DEPLOY / "compose.yaml").read_text()))
    declared = {
        line_.split("=", 1)[0]
        for line_ in (DEPLOY / ".env.example").read_text().splitlines()
        if line_ and not line_.startswith("#")
    }
    assert used <= declared


def test_ports_agree_between_web_proxy_image_and_worker_metrics():
    web = build_parser().parse_args(SERVICES["web"]["command"][1:])
    assert str(web.port) in SERVICES["web"]["expose"]
    assert "EXPOSE 8000" in (DEPLOY / "Dockerfile").read_text() and web.port == 8000
    caddy = (DEPLOY / "Caddyfile").read_text()
    assert re.search(rf"name web\s+port {web.port}\b", caddy)
    assert "health_uri /api/health" in caddy
    worker_env = SERVICES["worker"]["environment"]
    assert worker_env["METRICS_PORT"] in SERVICES["worker"]["expose"]


def test_the_urls_the_guide_tells_you_to_register_are_real_routes():
    guide = (Path(__file__).resolve().parent.parent / "docs" / "deploy.md").read_text()
    paths = set(re.findall(r"https://campaigns\.example\.com(/[\w/{}.-]*)", guide))
    routes = set(create_api().openapi()["paths"])
    assert paths, "the guide names no URL"
    assert paths <= routes | {"/"}, f"not routes of the app: {sorted(paths - routes)}"
