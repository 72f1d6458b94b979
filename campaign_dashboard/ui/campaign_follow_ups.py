"""The "Follow up…" button of a finished campaign's page: it lists who a follow-up can target (did
not open, did not click, bounced softly, send failed; for SMS not delivered, send failed, did not
reply) with how many each would reach now, and makes the chosen one a new draft
(`services.campaigns.follow_ups`), then opens it in the campaign form to change its subject or text.

A substate of the page's state, like the lifecycle buttons'; only writers see the button.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import reflex as rx

from campaign_dashboard.db import session_scope
from campaign_dashboard.models import Role, id_of
from campaign_dashboard.services.campaigns import follow_ups
from campaign_dashboard.services.errors import DomainError
from campaign_dashboard.ui import routes
from campaign_dashboard.ui.campaign_detail_state import CampaignDetailState
from campaign_dashboard.ui.campaign_form import CampaignFormState
from campaign_dashboard.ui.components import thousands
from campaign_dashboard.ui.fields import ask_buttons
from campaign_dashboard.ui.guard import BAD_REQUEST, guarded


@dataclass
class FollowUpChoice:
    key: str = ""
    label: str = ""
    count: int = 0


def read_choices(channel: str, campaign_id: int) -> list[FollowUpChoice]:
    """Each audience with its count (blocking: counted by the database, run in a worker thread)."""
    with session_scope() as session:
        found = follow_ups.audiences(session=session, channel=channel, campaign_id=campaign_id)
    return [FollowUpChoice(a.key, a.label, a.count) for a in found]


class FollowUpState(CampaignDetailState):
    follow_up_open: bool = False
    follow_up_counting: bool = False
    follow_up_choices: list[FollowUpChoice] = []

    def _names_page_campaign(self, channel: str, campaign_id: int) -> bool:
        return channel == self.channel and bool(campaign_id) and campaign_id == self.info.id

    @guarded(Role.MARKETER)
    async def open_follow_ups(self, channel: str, campaign_id: int):
        """Open the dialog and count each audience (in a worker thread)."""
        if not self._names_page_campaign(channel, campaign_id):
            return rx.toast.error(BAD_REQUEST)
        self.follow_up_choices, self.follow_up_open, self.follow_up_counting = [], True, True
        try:
            self.follow_up_choices = await asyncio.to_thread(read_choices, channel, campaign_id)
        except DomainError as exc:
            self.follow_up_open = False
            return rx.toast.error(exc.message)
        finally:
            self.follow_up_counting = False

    @guarded(Role.MARKETER)
    def close_follow_ups(self):
        self.follow_up_open = False

    @guarded(Role.MARKETER, writes=True)
    def create_follow_up(self, channel: str, campaign_id: int, audience: str):
        """The chosen audience becomes a new draft; its page opens with the draft in the form."""
        if not self._names_page_campaign(channel, campaign_id):
            return rx.toast.error(BAD_REQUEST)
        try:
            with session_scope() as session:
                draft = follow_ups.create_follow_up(
                    session=session, channel=channel, campaign_id=campaign_id, audience=audience
                )
                draft_id, name = id_of(draft), draft.name
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.follow_up_open = False
        return [
            rx.toast.success(f"“{name}” is a new draft: change its subject or text, then send it."),
            rx.redirect(routes.campaign_detail(channel, draft_id)),
            CampaignFormState.open_edit(channel, draft_id, False),
        ]


def _choice_row(choice: rx.Var) -> rx.Component:
    s = FollowUpState
    return rx.hstack(
        rx.text(choice.label, size="2", weight="medium", min_width="9em"),
        rx.text(thousands(choice.count), " ", rx.cond(choice.count == 1, "contact", "contacts"), size="2"),
        rx.spacer(),
        rx.button(
            "Create draft",
            size="1",
            disabled=choice.count == 0,
            on_click=s.create_follow_up(s.channel, s.info.id, choice.key),
            id="follow-up-" + choice.key.to(str),
            aria_label="Create a follow-up draft: " + choice.label.to(str),
        ),
        align="center",
        width="100%",
        class_name="follow-up-choice",
        custom_attrs={"data-audience": choice.key},
    )


def follow_up_button() -> rx.Component:
    """The button and its dialog; the page shows it when the campaign allows a follow-up."""
    s = FollowUpState
    return rx.fragment(
        rx.button(
            "Follow up…",
            variant="soft",
            size="2",
            on_click=s.open_follow_ups(s.channel, s.info.id),
            id="action-follow-up",
        ),
        rx.alert_dialog.root(
            rx.alert_dialog.content(
                rx.alert_dialog.title("Follow up with…"),
                rx.alert_dialog.description(
                    "A new draft with this campaign's content, to the recipients you pick. The list is fixed "
                    "now (a new static segment); when it is sent, anyone who unsubscribed or opted out by then "
                    "is left out. “Send failed” resends to those a provider error stopped, never to an address "
                    "the provider refused."
                ),
                rx.cond(
                    s.follow_up_counting,
                    rx.hstack(rx.spinner(size="2"), rx.text("Counting…", size="2"), padding_top="1em"),
                    rx.vstack(rx.foreach(s.follow_up_choices, _choice_row), spacing="3", padding_top="1em"),
                ),
                ask_buttons("Close", "follow-up-close"),
                id="follow-up-dialog",
            ),
            open=s.follow_up_open,
            on_open_change=lambda now_open: rx.cond(now_open, rx.noop(), s.close_follow_ups()),
        ),
    )
