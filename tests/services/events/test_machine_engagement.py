"""The machine-engagement rules on their own: which opens and clicks a person made."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from campaign_dashboard.services.events.machine_engagement import (
    Engagement,
    is_machine_click,
    is_machine_open,
    is_scanner,
)

DELIVERED = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
SAFARI = (  # the user agent of Resend's documented email.clicked example: a person's browser
    "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) "
    "Version/16.1 Safari/605.1.15"
)
CHROME_ON_ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Mobile Safari/537.36"
)
CUBOT_PHONE = (  # a phone brand with "bot" in its name
    "Mozilla/5.0 (Linux; Android 10; CUBOT X30) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Mobile"
)


def later(seconds: float) -> datetime:
    return DELIVERED + timedelta(seconds=seconds)


@pytest.mark.parametrize("seconds", [0, 1, 2.9, -1])  # -1: the open's clock is a little behind the delivery's
def test_an_open_within_seconds_of_delivery_is_a_machine_prefetch(seconds):
    assert is_machine_open(Engagement(at=later(seconds)), delivered_at=DELIVERED, window=3)


@pytest.mark.parametrize("seconds", [3.5, 60, 86_400])
def test_an_open_later_than_that_is_a_persons(seconds):
    assert not is_machine_open(Engagement(at=later(seconds)), delivered_at=DELIVERED, window=3)


def test_timing_decides_nothing_without_a_delivery_time_or_with_the_rule_off():
    assert not is_machine_open(Engagement(at=later(0)), delivered_at=None, window=3)
    assert not is_machine_open(Engagement(at=later(0)), delivered_at=DELIVERED, window=0)


@pytest.mark.parametrize(
    ("user_agent", "ip", "machine"),
    [
        (SAFARI, "122.115.53.11", False),
        (
            "Mozilla/5.0 (Windows NT 5.1; rv:11.0) Gecko Firefox/11.0 (via ggpht.com GoogleImageProxy)",
            "66.249.84.1",
            False,
        ),
        ("YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html", "98.136.1.1", True),
        ("Mozilla/5.0", "17.58.101.9", True),  # Apple Mail Privacy Protection: a generic agent from Apple's network
        ("Mozilla/5.0", "not an address", False),
    ],
)
def test_a_late_open_is_a_machine_only_from_a_prefetching_proxy(user_agent, ip, machine):
    event = Engagement(at=later(3600), user_agent=user_agent, ip_address=ip)
    assert is_machine_open(event, delivered_at=DELIVERED, window=3) is machine


@pytest.mark.parametrize(
    "user_agent",
    [
        "Mozilla/5.0 (compatible; Barracuda Sentinel)",
        "Proofpoint URL Defense",
        "Mimecast/1.0",
        "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17328; Pro)",
        "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/120.0",
        "python-requests/2.32.3",
        "curl/8.5.0",
        "Go-http-client/1.1",
        "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
        "",
        "   ",
    ],
)
def test_scanners_and_empty_agents_are_machines(user_agent):
    assert is_scanner(user_agent)
    assert is_machine_click(
        Engagement(at=later(3600), user_agent=user_agent), delivered_at=DELIVERED, window=3, in_burst=False
    )


@pytest.mark.parametrize("user_agent", [SAFARI, CHROME_ON_ANDROID, CUBOT_PHONE, None])
def test_peoples_browsers_are_not_scanners(user_agent):
    assert not is_scanner(user_agent)
    click = Engagement(at=later(600), user_agent=user_agent)
    assert not is_machine_click(click, delivered_at=DELIVERED, window=3, in_burst=False)


def test_a_click_in_a_burst_or_on_arrival_is_a_machine_even_from_a_browser():
    assert is_machine_click(
        Engagement(at=later(600), user_agent=SAFARI), delivered_at=DELIVERED, window=3, in_burst=True
    )
    assert is_machine_click(
        Engagement(at=later(1), user_agent=SAFARI), delivered_at=DELIVERED, window=3, in_burst=False
    )
