"""Settings: how email and SMS go out (emulator or live, API address, sender), a credentials
check per provider, and the webhook URLs to paste into Resend and Twilio."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import reflex as rx

from campaign_dashboard import providers
from campaign_dashboard.config import get_settings
from campaign_dashboard.models import Role
from campaign_dashboard.providers.base import CredentialCheck
from campaign_dashboard.providers.status import provider_statuses
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.components import soft_badge, table
from campaign_dashboard.ui.copy_button import copy_button
from campaign_dashboard.ui.guard import guarded
from campaign_dashboard.webhook_urls import WebhookUrl, reachable_only_here, webhook_urls

CHECK_COLORS = {"valid": "green", "invalid": "red", "unknown": "amber", "checking": "gray"}


@dataclass
class ProviderRow:
    channel: str
    provider: str
    emulated: bool
    api_url: str
    sender: str
    account: str
    check: str = ""  # "", "checking", or a CredentialCheck outcome
    check_message: str = ""


def _check(channel: str) -> CredentialCheck:
    """One authenticated read through the provider adapter (blocking: run it in a thread)."""
    settings = get_settings()
    provider = providers.email_provider(settings) if channel == "email" else providers.sms_provider(settings)
    return provider.check_credentials()


class ProvidersState(AuthState):
    rows: list[ProviderRow] = []
    webhooks: list[WebhookUrl] = []
    public_base_url: str = ""
    local_only: bool = False  # PUBLIC_BASE_URL is a loopback address while a live provider is used
    inbound_domain: str = ""  # RESEND_INBOUND_DOMAIN: where replies are received

    def _show(self, allowed: bool) -> None:
        """Fill the section for an admin; empty it for anyone else."""
        if not allowed:
            self.rows, self.webhooks, self.public_base_url, self.local_only = [], [], "", False
            self.inbound_domain = ""
            return
        settings = get_settings()
        statuses = provider_statuses(settings)
        self.rows = [ProviderRow(s.channel, s.provider, s.emulated, s.api_url, s.sender, s.account) for s in statuses]
        self.public_base_url = settings.public_base_url
        self.webhooks = webhook_urls(settings.public_base_url)
        self.inbound_domain = settings.resend_inbound_domain or ""
        self.local_only = reachable_only_here(settings.public_base_url) and not all(s.emulated for s in statuses)

    def _set_check(self, channel: str, outcome: str, message: str) -> None:
        self.rows = [
            ProviderRow(**{**vars(row), "check": outcome, "check_message": message}) if row.channel == channel else row
            for row in self.rows
        ]

    @guarded(Role.ADMIN, background=True)
    async def check(self, channel: str):
        """Ask the provider whether it accepts the configured credentials (a network call: it runs
        outside the state lock so the page stays responsive)."""
        async with self:
            if channel not in {row.channel for row in self.rows}:
                return
            self._set_check(channel, "checking", "Asking the provider…")
        result = await asyncio.to_thread(_check, channel)
        async with self:
            self._set_check(channel, result.outcome, result.message)


def _fact(label: str, value: rx.Var | str, **props) -> rx.Component:
    return rx.data_list.item(
        rx.data_list.label(label, min_width="8em"),
        rx.data_list.value(rx.text(value, size="2", overflow_wrap="anywhere", **props)),
    )


def provider_card(row: rx.Var) -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.heading(rx.cond(row.channel == "email", "Email", "SMS"), " · ", row.provider, size="4", as_="h3"),
                rx.spacer(),
                rx.cond(
                    row.emulated,
                    soft_badge("Emulator", color_scheme="amber", class_name="provider-mode"),
                    soft_badge("Live", color_scheme="green", class_name="provider-mode"),
                ),
                width="100%",
                align="center",
            ),
            rx.data_list.root(
                _fact("API", row.api_url, class_name="provider-api-url"),
                _fact("Sender", row.sender, class_name="provider-sender"),
                _fact("Credentials", row.account),
                size="2",
                width="100%",
            ),
            rx.hstack(
                rx.button(
                    rx.icon("key-round", size=14),
                    "Check credentials",
                    on_click=ProvidersState.check(row.channel),
                    loading=row.check == "checking",
                    variant="soft",
                    size="2",
                    class_name="check-credentials",
                ),
                rx.cond(
                    (row.check != "") & (row.check != "checking"),
                    rx.badge(
                        row.check,
                        color_scheme=rx.match(row.check, *CHECK_COLORS.items(), "gray"),
                        size="2",
                        class_name="credentials-outcome",
                    ),
                ),
                align="center",
                spacing="3",
            ),
            rx.cond(
                row.check_message != "",
                rx.text(row.check_message, size="2", color_scheme="gray", class_name="credentials-message"),
            ),
            rx.cond(
                row.emulated,
                rx.text(
                    rx.cond(
                        row.channel == "email",
                        "No RESEND_API_KEY is set: email goes to the built-in emulator, which answers like "
                        "Resend and sends its webhooks back. Set RESEND_API_KEY to send for real.",
                        "No TWILIO_ACCOUNT_SID / TWILIO_AUTH_TOKEN are set: SMS go to the built-in emulator. "
                        "Set both to send for real.",
                    ),
                    size="1",
                    color_scheme="gray",
                ),
            ),
            spacing="3",
            width="100%",
        ),
        id=f"{row.channel}-provider",
        data_channel=row.channel,
        class_name="provider-card",
        flex="1",
        min_width="20em",
    )


def webhook_row(hook: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.text(hook.provider, weight="medium")),
        rx.table.cell(
            rx.code(hook.url, class_name="webhook-url", overflow_wrap="anywhere"),
            rx.text(hook.where, size="1", color_scheme="gray", margin_top="0.25em"),
        ),
        rx.table.cell(
            copy_button(hook.url, size="1", class_name="copy-webhook"),
        ),
        data_key=hook.key,
        class_name="webhook-row",
    )


def providers_section() -> rx.Component:
    return rx.vstack(
        rx.heading("Providers", size="5", as_="h2"),
        rx.flex(rx.foreach(ProvidersState.rows, provider_card), gap="1em", wrap="wrap", width="100%"),
        rx.heading("Webhook URLs", size="5", as_="h2", margin_top="1em"),
        rx.text(
            "Resend and Twilio report deliveries, opens, clicks, bounces and replies to these addresses "
            "(PUBLIC_BASE_URL + the path). With the emulator nothing needs configuring.",
            size="2",
            color_scheme="gray",
        ),
        rx.cond(
            ProvidersState.local_only,
            rx.callout(
                f"PUBLIC_BASE_URL is {ProvidersState.public_base_url}: only this machine can reach it, so "
                "Resend and Twilio cannot deliver webhooks. Set PUBLIC_BASE_URL to the address they can reach.",
                icon="triangle-alert",
                color_scheme="amber",
                id="public-url-warning",
            ),
        ),
        table(["Provider", "URL", ""], ProvidersState.webhooks, webhook_row, table_id="webhook-urls"),
        replies_setup(),
        spacing="3",
        width="100%",
    )


def replies_setup() -> rx.Component:
    """What to configure at Resend so that email replies (and mailto unsubscribes) come back."""
    return rx.box(
        rx.heading("Email replies", size="4", as_="h3", margin_top="0.5em"),
        rx.cond(
            ProvidersState.inbound_domain != "",
            rx.text(
                "Emails go out with Reply-To reply+<token>@",
                rx.code(ProvidersState.inbound_domain),
                " and a List-Unsubscribe mailto to the same domain. At Resend → Emails → Receiving, receive mail "
                "on this domain (your <id>.resend.app address, or a custom domain whose MX record points to "
                "Resend) and include email.received in the webhook above. The API key needs full access: a "
                "sending-only key cannot read received emails, and replies are then counted without their text.",
                size="2",
            ),
            rx.callout(
                "RESEND_INBOUND_DOMAIN is not set: replies go to each campaign's reply-to address and are not "
                "counted here, and List-Unsubscribe carries only the one-click link. Set it to the domain Resend "
                "receives mail on (Resend → Emails → Receiving).",
                icon="info",
                color_scheme="gray",
                size="1",
            ),
        ),
        id="replies-setup",
        width="100%",
    )
