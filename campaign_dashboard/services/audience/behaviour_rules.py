"""Segment rules on what contacts did with our campaigns, compiled to subqueries on the send
ledgers and the tracked messages: the database answers them from indexes, no contact is loaded
into Python (`segment_rules` dispatches the fields below here).

Each rule is "the contact is (not) among the contacts of these rows" (`contact_sets`), which each
database answers in one pass over the rows. Fields, ops and values (a campaign is given by its id;
N is a number of days):

- `email_campaign`: `received` (sent to them and neither bounced nor failed), `opened` (opened or
  clicked: a click proves the open the tracking pixel may have missed), `clicked`, `bounced`,
  `replied`, and the negations among those who received it: `not_opened`, `not_clicked`.
- `sms_campaign`: `delivered`, `replied`, `not_replied` (sent to them, no reply; STOP / START /
  HELP keywords are not replies).
- `email_engagement`: `opened_within_days` (opened or clicked any email in the last N days),
  `clicked_within_days`, `not_engaged_for_days` (emailed for at least N days, i.e. received an
  email sent N or more days ago, and opened or clicked none in the last N days).
- `last_engagement`: `after` / `before` a date: the latest open or click of any email. A contact
  who never opened nor clicked has no last engagement and matches neither.

Opens and clicks are read from `sent_emails.last_engaged_at` / `last_clicked_at`, kept by the event
path (`services.events.email_events`), so "in the last N days" counts re-opens of old emails too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, select
from sqlalchemy.sql import ColumnElement
from sqlmodel import Session, col

from campaign_dashboard.models import (
    CampaignFields,
    CampaignStatus,
    EmailCampaign,
    InboundEmail,
    RecipientStatus,
    SentEmail,
    SmsCampaign,
    SmsCampaignRecipient,
    SmsEvent,
    table_of,
    utcnow,
)
from campaign_dashboard.services.audience.contact_sets import among, not_among, with_row
from campaign_dashboard.services.audience.rule_values import MAX_DAYS, RuleError, iso_datetime, whole_number
from campaign_dashboard.services.limits import MAX_ID

EMAIL_CAMPAIGN = "email_campaign"
SMS_CAMPAIGN = "sms_campaign"
EMAIL_ENGAGEMENT = "email_engagement"
LAST_ENGAGEMENT = "last_engagement"
OPS: dict[str, tuple[str, ...]] = {
    EMAIL_CAMPAIGN: ("received", "opened", "clicked", "bounced", "replied", "not_opened", "not_clicked"),
    SMS_CAMPAIGN: ("delivered", "replied", "not_replied"),
    EMAIL_ENGAGEMENT: ("opened_within_days", "clicked_within_days", "not_engaged_for_days"),
    LAST_ENGAGEMENT: ("after", "before"),
}
VALUE_OF = {
    EMAIL_CAMPAIGN: "an email campaign id",
    SMS_CAMPAIGN: "an SMS campaign id",
    EMAIL_ENGAGEMENT: f"a number of days, 1 to {MAX_DAYS}",
    LAST_ENGAGEMENT: "an ISO date",
}
CAMPAIGN_FIELDS: dict[str, type[CampaignFields]] = {EMAIL_CAMPAIGN: EmailCampaign, SMS_CAMPAIGN: SmsCampaign}

SENT = table_of(SentEmail)
SMS_RECIPIENTS = table_of(SmsCampaignRecipient)
SMS_EVENTS = table_of(SmsEvent)
INBOUND = table_of(InboundEmail)
NOT_RECEIVED = (RecipientStatus.BOUNCED.value, RecipientStatus.FAILED.value)
SMS_SENT = (RecipientStatus.SENT.value, RecipientStatus.DELIVERED.value, RecipientStatus.OPENED.value)
SMS_DELIVERED = (RecipientStatus.DELIVERED.value, RecipientStatus.OPENED.value)  # "read" is OPENED
UNSENT_CAMPAIGNS = (CampaignStatus.DRAFT.value, CampaignStatus.SCHEDULED.value)
SMS_REPLY = "inbound"  # the sms_events type of a plain answer (services.events.inbound)


def condition(field: str, op: Any, value: Any, *, now: datetime | None = None) -> ColumnElement[bool]:
    """The WHERE condition on `contacts` for one behaviour rule; RuleError when it is malformed."""
    ops = OPS[field]
    if op not in ops:
        raise RuleError("op", f"{field} supports {', '.join(ops)}")
    if field in CAMPAIGN_FIELDS:
        build = _EMAIL_CAMPAIGN if field == EMAIL_CAMPAIGN else _SMS_CAMPAIGN
        return build[op](campaign_id(field, value))
    moment = now or utcnow()
    if field == EMAIL_ENGAGEMENT:
        days = whole_number(value, what="the number of days", low=1, high=MAX_DAYS)
        return _ENGAGEMENT[op](moment - timedelta(days=days))
    at = iso_datetime(value)
    if op == "after":
        return _sent_email(SENT.c.last_engaged_at > at)
    return and_(_sent_email(SENT.c.last_engaged_at < at), not_among(SENT.c.contact_id, SENT.c.last_engaged_at >= at))


def campaign_id(field: str, value: Any) -> int:
    kind = "an email" if field == EMAIL_CAMPAIGN else "an SMS"
    if value is None or value == "":
        raise RuleError("value", f"choose {kind} campaign")
    return whole_number(value, what="the campaign id", low=1, high=MAX_ID)


def missing_campaigns(session: Session, rules: dict[int, dict[str, Any]]) -> list[dict[str, str]]:
    """A problem (`rules[i].value`) for each campaign rule (well-formed, by position) whose
    campaign does not exist: one query per channel, whatever the number of rules."""
    wanted: dict[str, dict[int, list[int]]] = {field: {} for field in CAMPAIGN_FIELDS}
    for i, rule in rules.items():
        field = rule["field"]
        if field in CAMPAIGN_FIELDS:
            wanted[field].setdefault(campaign_id(field, rule["value"]), []).append(i)
    problems = []
    for field, by_id in wanted.items():
        if not by_id:
            continue
        model = CAMPAIGN_FIELDS[field]
        found = set(session.scalars(select(col(model.id)).where(col(model.id).in_(list(by_id)))))
        kind = "email" if field == EMAIL_CAMPAIGN else "SMS"
        for missing in sorted(set(by_id) - found):
            for i in by_id[missing]:
                message = f"there is no {kind} campaign with id {missing}"
                problems.append({"field": f"rules[{i}].value", "message": message})
    return problems


def campaign_choices(session: Session, *, keep: Sequence[Any] = (), limit: int = 200) -> dict[str, list]:
    """Per campaign field, the campaigns a rule can name, newest first, as (id, name, status):
    those that sent something (not drafts or scheduled ones), at most `limit`, plus any named by
    the rules in `keep` (a saved segment's), so their names still show."""
    choices: dict[str, list] = {}
    for field, model in CAMPAIGN_FIELDS.items():
        named = {r.get("value") for r in keep if isinstance(r, dict) and r.get("field") == field}
        ids = [int(str(v)) for v in named if str(v).isdigit()]
        shown = select(col(model.id), col(model.name), col(model.status)).order_by(col(model.id).desc())
        sent = shown.where(col(model.status).not_in(UNSENT_CAMPAIGNS)).limit(limit)
        rows = {row[0]: tuple(row) for row in session.execute(sent)}
        if ids:
            rows |= {row[0]: tuple(row) for row in session.execute(shown.where(col(model.id).in_(ids)))}
        choices[field] = [rows[i] for i in sorted(rows, reverse=True)]
    return choices


# How the segments list reads a behaviour rule: "<words> <campaign>" or "<words> N days".
WORDS = {
    (EMAIL_CAMPAIGN, "received"): "received email",
    (EMAIL_CAMPAIGN, "opened"): "opened email",
    (EMAIL_CAMPAIGN, "clicked"): "clicked in email",
    (EMAIL_CAMPAIGN, "bounced"): "bounced on email",
    (EMAIL_CAMPAIGN, "replied"): "replied to email",
    (EMAIL_CAMPAIGN, "not_opened"): "did not open email",
    (EMAIL_CAMPAIGN, "not_clicked"): "did not click in email",
    (SMS_CAMPAIGN, "delivered"): "got SMS",
    (SMS_CAMPAIGN, "replied"): "replied to SMS",
    (SMS_CAMPAIGN, "not_replied"): "did not reply to SMS",
    (EMAIL_ENGAGEMENT, "opened_within_days"): "opened or clicked an email in the last",
    (EMAIL_ENGAGEMENT, "clicked_within_days"): "clicked an email in the last",
    (EMAIL_ENGAGEMENT, "not_engaged_for_days"): "has not opened or clicked for",
    (LAST_ENGAGEMENT, "after"): "last opened or clicked after",
    (LAST_ENGAGEMENT, "before"): "last opened or clicked before",
}


def describe(rule: dict[str, Any], names: dict[tuple[str, int], str]) -> str:
    """One behaviour rule in words, its campaign by name (`names`: (field, id) -> name)."""
    field, op, value = rule.get("field", ""), rule.get("op"), rule.get("value")
    words = WORDS.get((str(field), str(op)), f"{field} {op}")
    if field in CAMPAIGN_FIELDS:
        key = (field, int(str(value))) if str(value).isdigit() else None
        return f"{words} {names[key]!r}" if key in names else f"{words} #{value}"
    return f"{words} {value} days" if field == EMAIL_ENGAGEMENT else f"{words} {value}"


def campaign_names(session: Session, rules: Sequence[Any]) -> dict[tuple[str, int], str]:
    """The names of the campaigns `rules` name, one query per channel."""
    names: dict[tuple[str, int], str] = {}
    for field, model in CAMPAIGN_FIELDS.items():
        ids = {int(str(r.get("value"))) for r in rules if r.get("field") == field and str(r.get("value")).isdigit()}
        if ids:
            rows = session.execute(select(col(model.id), col(model.name)).where(col(model.id).in_(ids))).tuples()
            names |= {(field, int(id_)): str(name) for id_, name in rows}
    return names


def _sent_email(*where: ColumnElement[bool]) -> ColumnElement[bool]:
    """Among the contacts of the sent emails matching `where`."""
    return among(SENT.c.contact_id, *where)


def _campaign_email(campaign: int, *where: ColumnElement[bool]) -> ColumnElement[bool]:
    """Among the contacts of this campaign's emails matching `where`."""
    return among(SENT.c.contact_id, SENT.c.campaign_id == campaign, *where)


def _received(campaign: int, *where: ColumnElement[bool]) -> ColumnElement[bool]:
    return _campaign_email(campaign, SENT.c.status.not_in(NOT_RECEIVED), *where)


def _email_replied(campaign: int) -> ColumnElement[bool]:
    return among(INBOUND.c.contact_id, INBOUND.c.campaign_id == campaign)


_EMAIL_CAMPAIGN: dict[str, Callable[[int], ColumnElement[bool]]] = {
    "received": _received,
    "opened": lambda c: _campaign_email(c, SENT.c.last_engaged_at.is_not(None)),
    "clicked": lambda c: _campaign_email(c, SENT.c.last_clicked_at.is_not(None)),
    "bounced": lambda c: _campaign_email(c, SENT.c.status == RecipientStatus.BOUNCED.value),
    "replied": _email_replied,
    "not_opened": lambda c: _received(c, SENT.c.last_engaged_at.is_(None)),
    "not_clicked": lambda c: _received(c, SENT.c.last_clicked_at.is_(None)),
}


def _sms_sent(campaign: int, statuses: tuple[str, ...]) -> ColumnElement[bool]:
    return among(
        SMS_RECIPIENTS.c.contact_id, SMS_RECIPIENTS.c.campaign_id == campaign, SMS_RECIPIENTS.c.status.in_(statuses)
    )


def _sms_answered(campaign: int) -> tuple[ColumnElement[bool], ...]:
    """The rows of a plain reply to one of this campaign's texts (events joined to the ledger)."""
    return (
        SMS_EVENTS.c.campaign_id == campaign,
        SMS_EVENTS.c.type == SMS_REPLY,
        SMS_RECIPIENTS.c.id == SMS_EVENTS.c.recipient_id,
        SMS_RECIPIENTS.c.campaign_id == campaign,
    )


_SMS_CAMPAIGN: dict[str, Callable[[int], ColumnElement[bool]]] = {
    "delivered": lambda c: _sms_sent(c, SMS_DELIVERED),
    "replied": lambda c: among(SMS_RECIPIENTS.c.contact_id, *_sms_answered(c)),
    "not_replied": lambda c: and_(_sms_sent(c, SMS_SENT), not_among(SMS_RECIPIENTS.c.contact_id, *_sms_answered(c))),
}

_ENGAGEMENT: dict[str, Callable[[datetime], ColumnElement[bool]]] = {
    "opened_within_days": lambda since: _sent_email(SENT.c.last_engaged_at >= since),
    "clicked_within_days": lambda since: _sent_email(SENT.c.last_clicked_at >= since),
    "not_engaged_for_days": lambda since: and_(
        # Most sent emails are older than N days: probed per contact, not listed.
        with_row(SENT.c.contact_id, SENT.c.sent_at <= since, SENT.c.status.not_in(NOT_RECEIVED)),
        not_among(SENT.c.contact_id, SENT.c.last_engaged_at >= since),
    ),
}
