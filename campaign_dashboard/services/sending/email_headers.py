"""The addresses and ids a campaign email carries so that answers find their way back.

Replies are routed by address, not by headers: with an inbound domain configured (the domain Resend
receives mail on, `RESEND_INBOUND_DOMAIN`), each email gets `Reply-To: reply+<token>@<domain>` and a
`List-Unsubscribe` mailto `unsubscribe+<token>@<domain>`; the token names the recipient. Without one,
Reply-To is the campaign's own and `List-Unsubscribe` is the HTTPS one-click URI only (a mailto to a
domain nobody receives mail on would be worse than none).

The `Message-ID` uses the sending domain of the From address. Resend sends through Amazon SES, which
may replace it; reply matching never depends on it (In-Reply-To is only a fallback).
"""

from __future__ import annotations

from email.utils import formataddr, parseaddr

REPLY_LOCAL = "reply"
UNSUBSCRIBE_LOCAL = "unsubscribe"


def reply_to(*, token: str, inbound_domain: str | None, campaign_reply_to: str | None, from_email: str) -> str | None:
    """The Reply-To header: our routed address when replies can be received, else the campaign's.

    The campaign's reply-to (or the From) keeps its say over what people see: its display name is
    the routed address's display name."""
    if not inbound_domain:
        return campaign_reply_to or None
    name = parseaddr(campaign_reply_to or "")[0] or parseaddr(from_email)[0]
    return formataddr((name, f"{REPLY_LOCAL}+{token}@{inbound_domain}"))


def list_unsubscribe(*, url: str, token: str, inbound_domain: str | None) -> str:
    """RFC 2369 `List-Unsubscribe`: the one-click URL, plus a mailto when mail to it is received."""
    if not inbound_domain:
        return f"<{url}>"
    return f"<{url}>, <mailto:{UNSUBSCRIBE_LOCAL}+{token}@{inbound_domain}>"


def sending_domain(from_email: str) -> str:
    """`Acme <news@mail.acme.com>` -> `mail.acme.com`."""
    return parseaddr(from_email)[1].rpartition("@")[2].strip().lower() or "localhost"


def message_id(*, recipient_id: int, campaign_id: int, token: str, from_email: str) -> str:
    """`<r<recipient>.c<campaign>.<token>@<sending domain>>`: quoted by In-Reply-To if it survives."""
    return f"<r{recipient_id}.c{campaign_id}.{token}@{sending_domain(from_email)}>"
