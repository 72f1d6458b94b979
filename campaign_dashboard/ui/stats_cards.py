"""`CampaignStatsCards`: the headline numbers, across all campaigns (overview) or for one campaign.

It draws a `services.stats.StatsSummary` held in a state var; rates are computed in the browser
from the counts (one decimal, a dash when there is nothing to divide by). Open and click rates are
people's (machine opens and clicks left out: docs/engagement.md), with the raw rate beside them.
"""

from __future__ import annotations

import reflex as rx

from campaign_dashboard.ui.components import percent, thousands


def _card(
    card_id: str, label: str, value: rx.Var, detail: rx.Var | str, icon: str, raw: rx.Var | None = None
) -> rx.Component:
    """`raw`: the rate with machine opens or clicks counted, shown beside the human `value`."""
    heading = rx.heading(value, size="6", class_name="stat-value")
    if raw is not None:
        heading = rx.hstack(
            heading,
            rx.text(raw, " with machines", size="1", color_scheme="gray", class_name="stat-raw"),
            align="baseline",
            spacing="2",
            wrap="wrap",
        )
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.icon(icon, size=16, color=rx.color("accent", 10)),
                rx.text(label, size="2", color_scheme="gray"),
                align="center",
                spacing="2",
            ),
            heading,
            rx.text(detail, size="1", color_scheme="gray", class_name="stat-detail"),
            spacing="1",
        ),
        id=card_id,
        min_width="10.5em",
        flex="1 1 10.5em",
    )


def CampaignStatsCards(stats: rx.Var, *, channel: str | None = None) -> rx.Component:  # noqa: N802 - the product spec's component name
    """Sent, delivered rate, open/click/bounce rates, unsubscribes, replies and SMS delivered.

    `channel` "email" leaves out the SMS card, "sms" the email-only rates; None shows all.
    """
    cards = [
        _card(
            "stat-sent",
            "Sent",
            thousands(stats.sent),
            rx.cond(stats.failed > 0, thousands(stats.failed) + " failed", "accepted by the provider"),
            "send",
        ),
        _card(
            "stat-delivered",
            "Delivered rate",
            percent(stats.delivered, stats.sent),
            thousands(stats.delivered) + " delivered",
            "inbox",
        ),
    ]
    if channel != "sms":
        cards += [
            _card(
                "stat-opens",
                "Open rate (people)",
                percent(stats.unique_human_opens, stats.email_delivered),
                thousands(stats.unique_human_opens) + " people · " + thousands(stats.opened) + " opens in all",
                "mail-open",
                raw=percent(stats.unique_opens, stats.email_delivered),
            ),
            _card(
                "stat-clicks",
                "Click rate (people)",
                percent(stats.unique_human_clicks, stats.email_delivered),
                thousands(stats.unique_human_clicks) + " people · " + thousands(stats.clicked) + " clicks in all",
                "mouse-pointer-click",
                raw=percent(stats.unique_clicks, stats.email_delivered),
            ),
            _card(
                "stat-bounces",
                "Bounce rate",
                percent(stats.bounced, stats.email_sent),
                thousands(stats.bounced) + " bounced",
                "circle-alert",
            ),
        ]
    cards += [
        _card(
            "stat-unsubscribes",
            "Unsubscribes",
            thousands(stats.unsubscribed),
            "opt-outs and unsubscribe links",
            "user-minus",
        ),
        _card("stat-replies", "Replies", thousands(stats.replied), "people who answered", "reply"),
    ]
    if channel != "email":
        cards.append(
            _card(
                "stat-sms-delivered",
                "SMS delivered",
                thousands(stats.sms_delivered),
                percent(stats.sms_delivered, stats.sms_sent) + " of " + thousands(stats.sms_sent) + " sent",
                "message-square",
            ),
        )
    return rx.flex(*cards, wrap="wrap", spacing="3", width="100%", id="campaign-stats-cards")
