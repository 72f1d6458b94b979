"""Inbound adapters, one module per provider (as listmonk's internal/bounce/webhooks/{ses,sendgrid,postmark}.go).

Each turns a request whose signature the route has already verified into the domain inputs the
event services apply (`EmailEventIn`, `InboundEmailIn`, `ProviderSuppressionIn`, `SmsStatusIn`,
`InboundSmsIn`), refusing with `ValidationFailed` what it cannot read. Plain Python: verification,
body limits and status codes stay in `api/webhooks`; the dead-letter replay and the received-email
worker re-read stored payloads through the same functions.
"""

from __future__ import annotations


def storable_text(value: str) -> str:
    """`value` as every database can store it: NUL (refused by PostgreSQL text and JSONB) and
    lone surrogates (JSON allows `\\ud800`, UTF-8 does not) become U+FFFD."""
    if "\x00" in value:
        value = value.replace("\x00", "\ufffd")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        value = value.encode("utf-8", "surrogatepass").decode("utf-8", "replace")
    return value
