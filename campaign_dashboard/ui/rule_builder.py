"""The segment rule builder's vocabulary: exactly the fields and operators `segment_rules`
evaluates, with the words shown for them, and the conversion between stored rules and rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from campaign_dashboard.services.audience import behaviour_rules, segment_rules

ATTRIBUTE = "attribute"  # the builder's choice for `attributes.<key>` fields; the key is typed
TEXT_OPS = ["is", "is_not", "contains"]
DATE_OPS = ["after", "before"]
STATUS_OPS = ["is", "is_not"]

FIELD_LABELS = {
    "tag": "Tag",
    "email": "Email",
    "phone": "Phone",
    "first_name": "First name",
    "last_name": "Last name",
    "email_status": "Email status",
    "sms_status": "SMS status",
    "created_at": "Added",
    ATTRIBUTE: "Attribute…",
    behaviour_rules.EMAIL_CAMPAIGN: "Email campaign",
    behaviour_rules.SMS_CAMPAIGN: "SMS campaign",
    behaviour_rules.EMAIL_ENGAGEMENT: "Email engagement",
    behaviour_rules.LAST_ENGAGEMENT: "Last opened or clicked",
}
OPS_FOR = {
    "tag": TEXT_OPS,
    **{name: TEXT_OPS for name in segment_rules.TEXT_FIELDS},
    **{name: STATUS_OPS for name in segment_rules.STATUS_FIELDS},
    "created_at": DATE_OPS,
    ATTRIBUTE: TEXT_OPS + DATE_OPS,
    **{name: list(ops) for name, ops in behaviour_rules.OPS.items()},
}
OP_LABELS = {
    "is": "is",
    "is_not": "is not",
    "contains": "contains",
    "after": "after",
    "before": "before",
    # behaviour: "<contact> <op> <campaign>" and "<op> <N> days"
    "received": "received",
    "opened": "opened",
    "clicked": "clicked",
    "bounced": "bounced",
    "replied": "replied to",
    "not_opened": "did not open",
    "not_clicked": "did not click",
    "delivered": "was delivered",
    "not_replied": "did not reply to",
    "opened_within_days": "opened or clicked in the last",
    "clicked_within_days": "clicked in the last",
    "not_engaged_for_days": "has not opened or clicked for",
}
DEFAULT_DAYS = "30"
STATUS_VALUES = {name: sorted(values) for name, (_, values) in segment_rules.STATUS_FIELDS.items()}
assert set(FIELD_LABELS) == set(OPS_FOR), "every field offered needs its operators"
assert {op for ops in OPS_FOR.values() for op in ops} <= set(OP_LABELS), "every operator needs its words"


@dataclass
class CampaignChoice:
    """A campaign a behaviour rule can name: its id (the rule's value) and what the list shows."""

    value: str
    label: str


def campaign_choices(rows: list[tuple[int, str, str]]) -> list[CampaignChoice]:
    return [CampaignChoice(value=str(id_), label=f"{name} ({status})") for id_, name, status in rows]


def first_value(field: str, choices: dict[str, list[CampaignChoice]]) -> str:
    """The value a rule gets when its field is chosen: the newest campaign, or 30 days."""
    if field in choices:
        return choices[field][0].value if choices[field] else ""
    return DEFAULT_DAYS if field == behaviour_rules.EMAIL_ENGAGEMENT else ""


@dataclass
class RuleRow:
    field: str = "tag"
    key: str = ""  # the attribute's name when field is ATTRIBUTE
    op: str = "is"
    value: str = ""
    ops: list[str] | None = None  # the operators this field allows, for the select
    choices: list[str] | None = None  # fixed values (status fields), else free text

    def __post_init__(self) -> None:
        self.ops = OPS_FOR[self.field]
        if self.op not in self.ops:
            self.op = self.ops[0]
        self.choices = STATUS_VALUES.get(self.field, [])
        if self.choices and self.value not in self.choices:
            self.value = self.choices[0]


def to_rows(rules: list[dict[str, Any]]) -> list[RuleRow]:
    rows = []
    for rule in rules:
        field = str(rule.get("field", "tag"))
        key = ""
        if field.startswith(segment_rules.ATTRIBUTE_PREFIX):
            field, key = ATTRIBUTE, field[len(segment_rules.ATTRIBUTE_PREFIX) :]
        elif field not in OPS_FOR:
            field = "tag"
        rows.append(RuleRow(field=field, key=key, op=str(rule.get("op", "is")), value=str(rule.get("value", ""))))
    return rows


def to_rules(rows: list[RuleRow]) -> list[dict[str, Any]]:
    return [
        {
            "field": segment_rules.ATTRIBUTE_PREFIX + row.key.strip() if row.field == ATTRIBUTE else row.field,
            "op": row.op,
            "value": row.value,
        }
        for row in rows
    ]
