"""The campaign dialog's A/B test part: what the marketer typed (variant B, C, D's subject or text,
the share, the metric, the wait) to the service's settings and back, and its errors to the
dialog's fields. Variant A is the campaign's own subject (email) or text (SMS). The dialog sets
subjects and texts; the API also takes a variant's own HTML and sender name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from campaign_dashboard.models import AbTest, Channel
from campaign_dashboard.services.campaigns.ab_tests import MAX_VARIANTS, METRICS, label
from campaign_dashboard.services.errors import ValidationFailed

WAITS = ["0", "1", "2", "4", "8", "12", "24", "48"]  # hours, as the picker offers them
EXTRA_VARIANTS = MAX_VARIANTS - 1  # B, C, D
# The dialog's fields for the settings' errors (a variant's: "ab_variant_<n>", n = 0 for A).
FIELDS = frozenset(("ab_variants", "test_share", "metric", "wait_minutes")) | frozenset(
    f"ab_variant_{n}" for n in range(MAX_VARIANTS)
)


@dataclass
class MetricOption:
    value: str = ""
    label: str = ""


@dataclass
class VariantRow:
    index: int = 0  # among the extra variants: 0 is B
    label: str = ""
    text: str = ""


def metric_options(channel: str) -> list[MetricOption]:
    return [MetricOption(k, v.capitalize()) for k, v in METRICS[Channel(channel)].items()]


def rows(extra: list[str]) -> list[VariantRow]:
    return [VariantRow(i, label(i + 1), text) for i, text in enumerate(extra)]


def settings(channel: str, first: str, extra: list[str], share: str, metric: str, wait_hours: str) -> dict[str, Any]:
    """The service's settings; a share that is not a number is left for the service to refuse."""
    key = "subject" if Channel(channel) is Channel.EMAIL else "body"
    share_value: Any = int(share) if share.strip().isdigit() else share
    hours = int(wait_hours) if wait_hours in WAITS else -1
    return {
        "variants": [{key: text} for text in [first, *extra]],
        "test_share": share_value,
        "metric": metric,
        "wait_minutes": hours * 60,
    }


def loaded(test: AbTest) -> tuple[list[str], str, str, str]:
    """(extra variants' texts, share, metric, wait in hours) of a stored test, for the dialog."""
    texts = [v.get("subject") or v.get("body") or "" for v in test.variants[1:]]
    hours = str(test.wait_minutes // 60)
    return texts, str(test.test_share), test.metric, hours if hours in WAITS else "4"


def for_the_form(error: ValidationFailed) -> ValidationFailed:
    """The same refusal, its fields named as the dialog names them."""
    details = []
    for detail in error.details:
        name = str(detail.get("field", ""))
        if name.startswith("variants."):
            name = "ab_variant_" + name.split(".")[1]
        elif name == "variants":
            name = "ab_variants"
        details.append({**detail, "field": name})
    return ValidationFailed(error.message, details=details)
