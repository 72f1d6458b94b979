"""What the campaign page's A/B test panel shows, read with the rest of the page
(`read_ab_panel`, called by `campaign_detail_data.SnapshotQuery`): each variant's card (its
subject or text, how many it went to, the test's rate), the remainder, the decision in words.
The numbers are `services.stats.variant_rates`', the decision `services.campaigns.ab_decision`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlmodel import Session

from campaign_dashboard.models import CampaignStatus
from campaign_dashboard.services.campaigns import ab_decision, ab_tests
from campaign_dashboard.services.stats.variant_rates import variant_rates


@dataclass
class VariantCard:
    label: str = ""
    content: str = ""  # the subject (email) or the text (SMS)
    recipients: int = 0
    sent: int = 0
    successes: int = 0  # opened, clicked, replied or delivered: the test's metric
    rate: str = "–"
    winner: bool = False


@dataclass
class AbPanel:
    shown: bool = False
    metric: str = ""  # "open rate"
    settings: str = ""  # "20% test the variants; the winner is picked 4 hours after the start"
    cards: list[VariantCard] = field(default_factory=list)
    remainder: VariantCard = field(default_factory=VariantCard)
    decided: bool = False
    summary: str = ""
    decided_by: str = ""  # "Picked by ann@example.com." or "Picked when the wait ended."
    can_decide: bool = False  # sending or paused, not decided yet


SUCCESS_WORDS = {"open_rate": "opened", "click_rate": "clicked", "reply_rate": "replied", "delivery_rate": "delivered"}


def _wait_words(minutes: int) -> str:
    if minutes == 0:
        return "as soon as the test messages are out"
    hours, rest = divmod(minutes, 60)
    span = f"{hours} hour{'s' if hours != 1 else ''}" if hours and not rest else f"{minutes} minutes"
    return f"{span} after the start"


def _picked(by: str) -> str:
    if not by:
        return ""
    return "Picked when the wait ended." if by == ab_decision.BY_WAIT else f"Picked by {by}."


def read_ab_panel(session: Session, channel: str, campaign) -> AbPanel:
    """The panel of `campaign` (not shown when it has no A/B test)."""
    test = ab_tests.get_test(session=session, channel=channel, campaign_id=campaign.id)
    if test is None:
        return AbPanel()
    numbers = variant_rates(session=session, channel=channel, campaign_id=campaign.id)
    shown = ab_decision.public(test, numbers) or {}

    def card(label: str, content: str, group: dict, winner: bool) -> VariantCard:
        successes = group[SUCCESS_WORDS[test.metric]]
        rate = f"{group['rate']:.1%}" if group["sent"] else "–"
        return VariantCard(label, content, group["recipients"], group["sent"], successes, rate, winner)

    cards = [
        card(v["label"], v.get("subject") or v.get("body") or "", v["numbers"], v["winner"]) for v in shown["variants"]
    ]
    decision = test.decision or {}
    winner_label = shown["winner_label"]
    remainder = card(f"Winner ({winner_label})" if winner_label else "Remainder", "", shown["remainder"], False)
    return AbPanel(
        shown=True,
        metric=shown["metric_label"],
        settings=f"{test.test_share}% of the audience test {len(cards)} variants; the winner is picked "
        f"on the {shown['metric_label']} {_wait_words(test.wait_minutes)}.",
        cards=cards,
        remainder=remainder,
        decided=test.decided_at is not None,
        summary=decision.get("summary", ""),
        decided_by=_picked(decision.get("by", "")),
        can_decide=test.decided_at is None and campaign.status in (CampaignStatus.SENDING, CampaignStatus.PAUSED),
    )
