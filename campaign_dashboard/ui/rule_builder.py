"""The segment rule builder's vocabulary: exactly the fields and operators `segment_rules`
evaluates, with the words shown for them, and the conversion between stored rules and rows."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from campaign_dashboard.services.audience import segment_rules

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
}
OPS_FOR = {
    "tag": TEXT_OPS,
    **{name: TEXT_OPS for name in segment_rules.TEXT_FIELDS},
    **{name: STATUS_OPS for name in segment_rules.STATUS_FIELDS},
    "created_at": DATE_OPS,
    ATTRIBUTE: TEXT_OPS + DATE_OPS,
}
OP_LABELS = {"is": "is", "is_not": "is not", "contains": "contains", "after": "after", "before": "before"}
STATUS_VALUES = {name: sorted(values) for name, (_, values) in segment_rules.STATUS_FIELDS.items()}
assert set(FIELD_LABELS) == set(OPS_FOR), "every field offered needs its operators"


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
