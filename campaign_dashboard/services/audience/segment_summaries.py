"""Segments as the segments page lists them: a readable rule summary and how many contacts each
holds right now (counted by the database, one COUNT per segment)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlmodel import Session, col, select

from campaign_dashboard.models import Segment, id_of
from campaign_dashboard.services.audience import behaviour_rules, segment_rules

OPERATOR_WORDS = {"is": "is", "is_not": "is not", "contains": "contains", "after": "after", "before": "before"}


@dataclass(frozen=True)
class SegmentSummary:
    id: int
    name: str
    kind: str
    summary: str
    members: int


def describe_rules(
    rules: list[dict[str, Any]], match: str, campaign_names: dict[tuple[str, int], str] | None = None
) -> str:
    """A one-line reading of a rule set: `tag is vip AND plan is pro`; no rules: everyone.
    Behaviour rules name their campaign from `campaign_names` (see `behaviour_rules.campaign_names`)."""
    if not rules:
        return "every contact"
    joiner = " AND " if match == "all" else " OR "
    return joiner.join(_rule_words(r, campaign_names or {}) for r in rules)


def _rule_words(rule: dict[str, Any], campaign_names: dict[tuple[str, int], str]) -> str:
    if rule.get("field") in behaviour_rules.OPS:
        return behaviour_rules.describe(rule, campaign_names)
    return f"{_field_words(rule.get('field', ''))} {_operator_words(rule.get('op'))} {rule.get('value')}"


def _operator_words(op: Any) -> str:
    return OPERATOR_WORDS.get(str(op), str(op))


def segment_summaries(*, session: Session) -> list[SegmentSummary]:
    """Every segment by name, with its live member count (before suppressions and opt-outs)."""
    segments = session.exec(select(Segment).order_by(col(Segment.name), col(Segment.id))).all()
    names = behaviour_rules.campaign_names(session, [r for s in segments if s.kind == "rules" for r in s.rules or []])
    return [
        SegmentSummary(
            id=id_of(s),
            name=s.name,
            kind=s.kind,
            summary="static list" if s.kind == "static" else describe_rules(s.rules, s.match, names),
            members=segment_rules.count_contacts(session=session, segment=s),
        )
        for s in segments
    ]


def _field_words(field: str) -> str:
    if field.startswith(segment_rules.ATTRIBUTE_PREFIX):
        return field[len(segment_rules.ATTRIBUTE_PREFIX) :]
    return field.replace("_", " ")
