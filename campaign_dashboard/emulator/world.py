"""What happens to a message after it is accepted: the recipient's side, decided by dice and rules.

A plan is a list of (seconds after acceptance, event kind, detail), in the order things happen.
Rules first (so tests can force outcomes), then the configured rates:
- email to an address ending in "@invalid.example" or containing "bounce" bounces Permanent,
  one containing "softbounce" bounces Transient; otherwise `bounce_rate` decides (a tenth of those
  are `email.suppressed`: the address is on the account's suppression list).
- a delivered email is opened at `open_rate`, clicked at `click_rate` (a click implies an open),
  and independently complained about, replied to, unsubscribed from at their rates. A person reads
  `READ_STEPS` event gaps after delivery (seconds in the demo, at once with `webhook_delay_ms` 0);
  at `proxy_open_rate` a privacy proxy also "opens" it the moment it arrives, as Apple Mail Privacy
  Protection does (the app counts that open as a machine's: docs/engagement.md).
- an SMS is undelivered/failed at `bounce_rate`; a delivered one gets a STOP at `unsubscribe_rate`
  or a reply at `reply_rate`.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from typing import Any

from .config import EmulatorConfig
from .state import Message

Plan = list[tuple[float, str, dict[str, Any]]]
READ_STEPS = 30  # a person opens an email this many event gaps after it arrives (300 ms gaps: ~9 s)

PERMANENT: dict[str, Any] = {
    "type": "Permanent",
    "subType": "General",
    "message": (
        "The recipient's email provider sent a hard bounce message, but didn't specify the reason "
        "for the hard bounce. We recommend removing the recipient's email address from your mailing list."
    ),
    "diagnosticCode": ["smtp; 550 5.1.1 user unknown"],
}
# Resend reports a send to a suppressed address as `email.suppressed`, not as a bounce.
SUPPRESSED: dict[str, Any] = {
    "type": "OnAccountSuppressionList",
    "reason": "previous_bounce",
    "message": (
        "The recipient's email address is on the suppression list because it has a recent history "
        "of producing hard bounces."
    ),
    "diagnosticCode": [],
}
TRANSIENT: dict[str, Any] = {
    "type": "Transient",
    "subType": "MailboxFull",
    "message": "The recipient's email provider sent a bounce message because the recipient's inbox was full.",
    "diagnosticCode": ["smtp; 452 4.2.2 mailbox full"],
}
HREF = re.compile(r"""href\s*=\s*["'](https?://[^"']+)["']""", re.IGNORECASE)
URL = re.compile(r"https?://\S+")


def _stepper(cfg: EmulatorConfig, rng: random.Random) -> Callable[[], float]:
    mean = cfg.webhook_delay_ms / 1000
    return (lambda: 0.0) if mean == 0 else (lambda: rng.uniform(0.5, 1.5) * mean)


def forced_bounce(address: str) -> dict[str, Any] | None:
    if "softbounce" in address:
        return TRANSIENT
    if address.endswith("@invalid.example") or "bounce" in address:
        return PERMANENT
    return None


def _random_bounce(rng: random.Random) -> dict[str, Any]:
    roll = rng.random()
    return PERMANENT if roll < 0.7 else SUPPRESSED if roll < 0.8 else TRANSIENT


def click_link(data: dict[str, Any]) -> str:
    """The first tracked-looking link in the message that is not its unsubscribe link."""
    found = HREF.findall(data.get("html") or "") + URL.findall(data.get("text") or "")
    links = [u for u in found if "unsubscribe" not in u.lower()]
    return links[0] if links else "https://example.com/"


def plan_email(message: Message, cfg: EmulatorConfig, rng: random.Random) -> Plan:
    step = _stepper(cfg, rng)
    t = step()
    plan: Plan = [(t, "email.sent", {})]
    bounce = next(filter(None, map(forced_bounce, message.to)), None)
    if bounce is None and rng.random() < cfg.bounce_rate:
        bounce = _random_bounce(rng)
    t += step()
    if bounce is SUPPRESSED:
        plan.append((t, "email.suppressed", {"suppressed": bounce}))
        return plan
    if bounce is not None:
        plan.append((t, "email.bounced", {"bounce": bounce}))
        return plan
    plan.append((t, "email.delivered", {}))
    if (
        cfg.proxy_open_rate and rng.random() < cfg.proxy_open_rate
    ):  # no die thrown when off: seeded runs keep their dice
        plan.append((t, "email.opened", {}))
    roll = rng.random()
    if roll < max(cfg.open_rate, cfg.click_rate):
        t += step() * READ_STEPS
        plan.append((t, "email.opened", {}))
    if roll < cfg.click_rate:
        t += step()
        plan.append((t, "email.clicked", {"link": click_link(message.data)}))
    for kind, rate in (
        ("email.complained", cfg.complaint_rate),
        ("email.received", cfg.reply_rate),
        ("unsubscribe", cfg.unsubscribe_rate),
    ):
        if rng.random() < rate:
            t += step()
            plan.append((t, kind, {}))
    return plan


def plan_sms(message: Message, cfg: EmulatorConfig, rng: random.Random) -> Plan:
    step = _stepper(cfg, rng)
    t = step()
    plan: Plan = [(t, "sms.sent", {})]
    t += step()
    if rng.random() < cfg.bounce_rate:
        failed = rng.random() < 0.2
        plan.append((t, "sms.failed" if failed else "sms.undelivered", {"error_code": 30008 if failed else 30003}))
        return plan
    plan.append((t, "sms.delivered", {}))
    if rng.random() < cfg.unsubscribe_rate:
        plan.append((t + step(), "sms.stop", {"body": "STOP"}))
    elif rng.random() < cfg.reply_rate:
        plan.append((t + step(), "sms.reply", {"body": "Thanks, got it!"}))
    return plan


def plan(message: Message, cfg: EmulatorConfig, rng: random.Random) -> Plan:
    return (plan_email if message.channel == "email" else plan_sms)(message, cfg, rng)
