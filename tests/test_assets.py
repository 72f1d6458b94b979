"""The static files the pages link exist in the top-level assets/ directory, which Reflex serves
at the site's root (it copies assets/ next to rxconfig.py into the built frontend), and the
image the deploy image is built with includes them."""

from __future__ import annotations

from campaign_dashboard.cli import ROOT
from campaign_dashboard.ui.layout import LOGO, icon_links

ASSETS = ROOT / "assets"


def test_the_favicon_and_logo_the_pages_link_are_assets():
    hrefs = [str(link.href).strip('"') for link in icon_links()]
    for path in [*hrefs, LOGO]:
        assert (ASSETS / path.lstrip("/")).is_file(), path
    assert (ASSETS / "favicon.ico").read_bytes()[:4] == b"\x00\x00\x01\x00"  # an ICO file
    assert "<svg" in (ASSETS / LOGO.lstrip("/")).read_text()


def test_the_docker_image_copies_the_assets():
    assert "COPY assets ./assets" in (ROOT / "deploy" / "Dockerfile").read_text()
