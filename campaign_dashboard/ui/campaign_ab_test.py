"""The campaign page's A/B test panel: each variant's card side by side, live as events arrive
(what they show: `campaign_ab_data`), the remainder waiting for the winner, the decision in words,
and for marketers and admins "Pick the winner now" (`commands.decide_ab_test`).
"""

from __future__ import annotations

import reflex as rx

from campaign_dashboard.db import session_scope
from campaign_dashboard.models import Role
from campaign_dashboard.services.campaigns import commands
from campaign_dashboard.services.errors import DomainError
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.campaign_detail_state import CampaignDetailState
from campaign_dashboard.ui.components import thousands
from campaign_dashboard.ui.guard import BAD_REQUEST, guarded
from campaign_dashboard.wiring import campaign_queue


class AbTestState(CampaignDetailState):
    @guarded(Role.MARKETER, writes=True)
    def decide_winner(self, channel: str, campaign_id: int):
        """Pick the winner now, on the numbers so far; the page re-reads itself at once."""
        if channel != self.channel or not campaign_id or campaign_id != self.info.id:
            return rx.toast.error(BAD_REQUEST)
        try:
            with session_scope() as session:
                test = commands.decide_ab_test(
                    session=session, channel=channel, campaign_id=campaign_id, by=self.user_email, queue=campaign_queue
                )
                summary = (test.decision or {}).get("summary", "")
        except DomainError as exc:
            return rx.toast.error(exc.message)
        return [rx.toast.success(summary or "The winner is picked."), CampaignDetailState.refresh]


def _card(card: rx.Var, card_id: rx.Var | str, metric: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(card.label, size="4"),
                rx.cond(card.winner, rx.badge("Winner", color_scheme="green", variant="solid", class_name="ab-winner")),
                align="center",
                spacing="2",
            ),
            rx.cond(card.content != "", rx.text(card.content, size="2", weight="medium", class_name="ab-content")),
            rx.heading(card.rate, size="6", class_name="ab-rate"),
            rx.text(metric, size="1", color_scheme="gray"),
            rx.text(
                thousands(card.successes),
                " of ",
                thousands(card.sent),
                " sent · ",
                thousands(card.recipients),
                " recipients",
                size="1",
                color_scheme="gray",
                class_name="ab-numbers",
            ),
            spacing="1",
        ),
        id=card_id,
        class_name="ab-card",
        min_width="12em",
        flex="1 1 12em",
    )


def ab_test_panel() -> rx.Component:
    """The panel, when the campaign has an A/B test."""
    s = AbTestState
    panel = CampaignDetailState.ab
    return rx.cond(
        panel.shown,
        rx.card(
            rx.vstack(
                rx.hstack(
                    rx.heading("A/B test", size="4"),
                    rx.spacer(),
                    rx.cond(
                        AuthState.can_write & panel.can_decide,
                        rx.button(
                            "Pick the winner now",
                            size="2",
                            variant="soft",
                            on_click=s.decide_winner(s.channel, s.info.id),
                            id="ab-decide",
                        ),
                    ),
                    width="100%",
                    align="center",
                ),
                rx.text(panel.settings, size="2", color_scheme="gray", id="ab-settings"),
                rx.flex(
                    rx.foreach(panel.cards, lambda c, i: _card(c, "ab-variant-" + i.to(str), panel.metric)),
                    _card(panel.remainder, "ab-remainder", panel.metric),
                    wrap="wrap",
                    spacing="3",
                    width="100%",
                    id="ab-cards",
                ),
                rx.cond(
                    panel.decided,
                    rx.callout(
                        rx.text(panel.summary, " ", rx.text.span(panel.decided_by, size="1")),
                        icon="trophy",
                        color_scheme="green",
                        id="ab-decision",
                    ),
                    rx.text("The remainder waits for the winner.", size="2", color_scheme="gray", id="ab-waiting"),
                ),
                spacing="3",
                width="100%",
            ),
            width="100%",
            id="ab-test-panel",
        ),
    )
