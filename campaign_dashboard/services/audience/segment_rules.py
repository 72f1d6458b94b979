"""Segment rules compiled to one SQL SELECT of contact ids, so a segment of a million contacts is
counted and snapshotted by the database, never loaded into Python.

A rule is `{"field", "op", "value"}`; `match` joins them with AND ("all") or OR ("any").
Fields: tag, email, phone, first_name, last_name, attributes.<key>, email_status, sms_status,
created_at, and what contacts did with campaigns (`behaviour_rules`: email_campaign, sms_campaign,
email_engagement, last_engagement). A rule set with no rules selects every contact.

Text comparisons (is, is_not, contains on names, phone and attributes) ignore case: a marketer
typing `pt` means the `PT` their CSV had. Both sides go through the database's lower(), so the
count, the live count and the snapshot agree (SQLite folds only ASCII, PostgreSQL all letters).
Emails are stored lowercase, so their column is compared as is (and keeps its index).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists, false, func, not_, or_, select, true
from sqlalchemy.sql import ColumnElement, Select
from sqlmodel import Session, col

from campaign_dashboard.models import Contact, ContactTag, Segment, SegmentContact
from campaign_dashboard.models.enums import EmailStatus, SmsStatus
from campaign_dashboard.services.audience import behaviour_rules
from campaign_dashboard.services.audience.rule_values import RuleError, iso_datetime, text
from campaign_dashboard.services.errors import ValidationFailed

TEXT_FIELDS = {
    "email": col(Contact.email),
    "phone": col(Contact.phone),
    "first_name": col(Contact.first_name),
    "last_name": col(Contact.last_name),
}
STATUS_FIELDS = {
    "email_status": (col(Contact.email_status), {s.value for s in EmailStatus}),
    "sms_status": (col(Contact.sms_status), {s.value for s in SmsStatus}),
}
TEXT_OPS = {"is", "is_not", "contains"}
DATE_OPS = {"after", "before"}
ATTRIBUTE_PREFIX = "attributes."
MAX_RULES = 50
# What the API documents for `rules` (OpenAPI): every field, its ops and its value.
RULES_DESCRIPTION = (
    'Rules, each {"field", "op", "value"}, joined by `match`. Contact fields: tag, email, phone, '
    "first_name, last_name, attributes.<key> (ops is, is_not, contains; attributes also after, before); "
    "email_status, sms_status (is, is_not); created_at (after, before; value an ISO date). "
    "Behaviour: "
    + "; ".join(
        f"{field} ({', '.join(ops)}; value {behaviour_rules.VALUE_OF[field]})"
        for field, ops in behaviour_rules.OPS.items()
    )
    + "."
)


def validate_rules(rules: list[dict[str, Any]], match: str, *, session: Session) -> None:
    """Raise ValidationFailed listing every bad rule (field `rules[i].<part>`), including rules
    naming a campaign that does not exist."""
    problems = []
    if match not in ("all", "any"):
        problems.append({"field": "match", "message": "must be 'all' or 'any'"})
    if not isinstance(rules, list):
        raise ValidationFailed("rules must be a list", details=[{"field": "rules", "message": "must be a list"}])
    if len(rules) > MAX_RULES:  # thousands of OR-ed rules kept PostgreSQL busy for minutes
        message = f"at most {MAX_RULES} rules (got {len(rules)})"
        raise ValidationFailed(f"rules: {message}", details=[{"field": "rules", "message": message}])
    well_formed = {}
    for i, rule in enumerate(rules):
        try:
            _condition(rule)
        except RuleError as exc:
            problems.append({"field": f"rules[{i}].{exc.part}", "message": str(exc)})
        else:
            well_formed[i] = rule
    problems += behaviour_rules.missing_campaigns(session, well_formed)
    if problems:
        first = problems[0]
        raise ValidationFailed(f"{first['field']}: {first['message']}", details=problems)


def contact_ids_select(*, segment: Segment) -> Select:
    """SELECT contacts.id for everyone in the segment (usable inside INSERT ... SELECT)."""
    if segment.kind == "static":
        return select(col(SegmentContact.contact_id).label("id")).where(col(SegmentContact.segment_id) == segment.id)
    conditions = [_condition(rule) for rule in segment.rules or []]
    if not conditions:
        where: ColumnElement[bool] = true()
    elif segment.match == "any":
        where = or_(*conditions)
    else:
        where = and_(*conditions)
    return select(col(Contact.id)).where(where)


def count_contacts(*, session: Session, segment: Segment) -> int:
    ids = contact_ids_select(segment=segment).subquery()
    return session.scalar(select(func.count()).select_from(ids)) or 0


def _condition(rule: Any) -> ColumnElement[bool]:
    if not isinstance(rule, dict):
        raise RuleError("field", "each rule must be an object with field, op and value")
    field, op, value = rule.get("field"), rule.get("op"), rule.get("value")
    if not isinstance(field, str) or not field:
        raise RuleError("field", "field is required")
    if field in behaviour_rules.OPS:
        return behaviour_rules.condition(field, op, value)
    if field == "tag":
        return _tag_condition(op, text(value))
    if field in TEXT_FIELDS:
        return _text_condition(TEXT_FIELDS[field], op, text(value), stored_lower=field == "email")
    if field in STATUS_FIELDS:
        column, allowed = STATUS_FIELDS[field]
        if op not in ("is", "is_not"):
            raise RuleError("op", f"{field} supports is and is_not")
        if value not in allowed:
            raise RuleError("value", f"{field} must be one of {', '.join(sorted(allowed))}")
        return column == value if op == "is" else column != value
    if field == "created_at":
        if op not in DATE_OPS:
            raise RuleError("op", "created_at supports after and before")
        moment = iso_datetime(value)
        return col(Contact.created_at) > moment if op == "after" else col(Contact.created_at) < moment
    if field.startswith(ATTRIBUTE_PREFIX) and len(field) > len(ATTRIBUTE_PREFIX):
        key = field[len(ATTRIBUTE_PREFIX) :]
        column = col(Contact.attributes)[key].as_string()
        if op in DATE_OPS:  # ISO dates compare correctly as text
            wanted = text(value)
            return column > wanted if op == "after" else column < wanted
        return _text_condition(column, op, text(value))
    raise RuleError("field", f"unknown field {field!r}")


def _tag_condition(op: Any, value: str) -> ColumnElement[bool]:
    tagged = select(col(ContactTag.contact_id)).where(col(ContactTag.contact_id) == Contact.id)
    if op == "is":
        return exists(tagged.where(col(ContactTag.tag) == value))
    if op == "is_not":
        return not_(exists(tagged.where(col(ContactTag.tag) == value)))
    if op == "contains":
        return exists(tagged.where(col(ContactTag.tag).contains(value, autoescape=True)))
    raise RuleError("op", "tag supports is, is_not and contains")


def _text_condition(column, op: Any, value: str, *, stored_lower: bool = False) -> ColumnElement[bool]:
    """`column` compared with `value` ignoring case; `stored_lower`: the column is kept lowercase."""
    folded = column if stored_lower else func.lower(column)
    wanted = value.lower() if stored_lower else func.lower(value)
    if op == "is":
        return folded == wanted
    if op == "is_not":  # a contact without the value at all is also "not" it
        return or_(column.is_(None), folded != wanted)
    if op == "contains":
        if not value:
            return false()
        return func.lower(column).like(func.lower(_like_pattern(value)), escape="/")
    raise RuleError("op", "supports is, is_not and contains")


def _like_pattern(value: str) -> str:
    """`%value%` with LIKE's wildcards in `value` taken literally (escaped with /)."""
    escaped = value.replace("/", "//").replace("%", "/%").replace("_", "/_")
    return f"%{escaped}%"
