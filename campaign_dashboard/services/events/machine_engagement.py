"""Which opens and clicks a machine made: mail privacy proxies, link scanners, prefetchers.

Marketers decide on open and click rates, and machines inflate both: Apple Mail Privacy Protection
fetches every image as the message arrives, security gateways (Microsoft Safe Links, Proofpoint,
Mimecast, Barracuda...) follow every link before the person sees the message. The rules (the
why of each is in docs/engagement.md):

- an open is a machine's when it comes within `window` seconds of the message's delivery, or its
  user agent names a known prefetching proxy, or its address is Apple's (17.0.0.0/8, the range
  Mail Privacy Protection fetches from). Resend's `email.opened` documents no user agent or
  address, so on Resend today timing decides; both are read when a payload carries them;
- a click is a machine's when its user agent names a known scanner or is empty, when it comes
  within `window` seconds of delivery, or when the same message had a click on another link
  within `window` seconds of it (a scanner follows every link at once; a person follows one and
  reads). That last rule also marks the earlier clicks of the burst (`burst_links`).

Plain functions of what one event says, so the event path and its tests share them.
"""

from __future__ import annotations

import ipaddress
import re
from dataclasses import dataclass
from datetime import datetime

DEFAULT_WINDOW_SECONDS = 3

# Substrings of user agents that fetch on nobody's behalf (matched case-insensitively). Sources:
# the vendors' documentation of their scanners and prefetchers, and the user agents they send.
PROXY_OPEN_AGENTS = (
    "yahoomailproxy",  # Yahoo Mail fetches images on delivery
    "ymailproxy",
    "apple-mail-privacy",  # not sent by Apple today (it hides behind a generic agent): kept for its future marker
)
SCANNER_AGENTS = (
    "barracuda",
    "proofpoint",
    "mimecast",
    "safelinks",
    "microsoft office",  # Safe Links' pre-click checks ("Microsoft Office/16.0 ...")
    "ms-office",
    "bingpreview",
    "symantec",
    "forcepoint",
    "trendmicro",
    "sophos",
    "cisco",
    "fortiguard",
    "headlesschrome",
    "phantomjs",
    "python-requests",
    "python-urllib",
    "aiohttp",
    "go-http-client",
    "curl/",
    "wget/",
    "java/",
    "okhttp",
    "libwww-perl",
    "googlebot",
    "bingbot",
    "applebot",
    "slackbot",
    "twitterbot",
    "linkedinbot",
    "discordbot",
    "telegrambot",
    "facebookexternalhit",
    "crawler",
    "spider",
    "scanner",
)
APPLE_PROXY_NETWORK = ipaddress.ip_network("17.0.0.0/8")
_PROXY = re.compile("|".join(map(re.escape, PROXY_OPEN_AGENTS)), re.IGNORECASE)
_SCANNER = re.compile("|".join(map(re.escape, SCANNER_AGENTS)), re.IGNORECASE)


@dataclass(frozen=True)
class Engagement:
    """What an open or click event says about who made it."""

    at: datetime
    user_agent: str | None = None
    ip_address: str | None = None


def soon_after(at: datetime, delivered_at: datetime | None, window: float) -> bool:
    """Whether `at` is within `window` seconds after (or before: clocks differ) the delivery."""
    if delivered_at is None or window <= 0:
        return False
    return abs((at - delivered_at).total_seconds()) <= window


def from_apple_proxy(ip_address: str | None) -> bool:
    try:
        return ip_address is not None and ipaddress.ip_address(ip_address.strip()) in APPLE_PROXY_NETWORK
    except ValueError:
        return False


def is_machine_open(event: Engagement, *, delivered_at: datetime | None, window: float) -> bool:
    if soon_after(event.at, delivered_at, window):
        return True
    if event.user_agent and _PROXY.search(event.user_agent):
        return True
    return from_apple_proxy(event.ip_address)


def is_scanner(user_agent: str | None) -> bool:
    """A known scanner's agent, or an empty one (a person's browser always names itself)."""
    if user_agent is None:
        return False  # the payload did not say: no evidence either way
    return not user_agent.strip() or bool(_SCANNER.search(user_agent))


def is_machine_click(event: Engagement, *, delivered_at: datetime | None, window: float, in_burst: bool) -> bool:
    """`in_burst`: the message had a click on another link within `window` seconds of this one."""
    return in_burst or is_scanner(event.user_agent) or soon_after(event.at, delivered_at, window)
