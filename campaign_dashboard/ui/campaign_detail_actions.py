"""The lifecycle buttons on a campaign's page: start (asked first, as from the list: what goes
to whom and what would break), pause, resume, cancel (with a reason), edit, duplicate and follow
up (`campaign_follow_ups`), as the campaign allows them (`CampaignInfo.actions`).

The buttons and the substate they call (a substate, so the page's own state stays about showing
the campaign). Every action goes through `campaigns.commands` with the queue from `wiring`, like
the list's; the guard records it in the audit log with its arguments (the channel among them, so
the page can say who cancelled). Edit needs no handler here: its button opens the campaign form's
dialog, which the page renders.
"""

from __future__ import annotations

import asyncio

import reflex as rx

from campaign_dashboard.db import session_scope
from campaign_dashboard.models import Role, id_of
from campaign_dashboard.services import campaigns
from campaign_dashboard.services.errors import DomainError
from campaign_dashboard.ui import routes
from campaign_dashboard.ui.campaign_detail_state import CampaignDetailState
from campaign_dashboard.ui.campaign_follow_ups import follow_up_button
from campaign_dashboard.ui.campaign_form import CampaignFormState
from campaign_dashboard.ui.campaign_list import BREAKER_RESUME, apply_action
from campaign_dashboard.ui.confirm import SendCheck, check_saved, confirm_button, send_confirm_dialog
from campaign_dashboard.ui.fields import ask_buttons
from campaign_dashboard.ui.guard import BAD_REQUEST, guarded

ACTIONS = ("pause", "resume", "cancel", "duplicate")  # edit opens the form (`CampaignFormState.open_edit`)
DONE = {"pause": "paused", "resume": "resumed: sending goes on", "cancel": "cancelled"}


class CampaignActionsState(CampaignDetailState):
    cancel_reason: str = ""
    send: SendCheck = SendCheck()  # the start being confirmed ("" question: none)

    @guarded(Role.MARKETER)
    async def ask_start(self):
        """What starting will do, rendered for the audience's contacts (in a worker thread)."""
        channel, campaign_id = self.channel, self.info.id
        if not campaign_id:
            return rx.toast.error(BAD_REQUEST)
        try:
            self.send = await asyncio.to_thread(check_saved, channel, campaign_id)
        except DomainError as exc:
            return [rx.toast.error(exc.message), CampaignDetailState.refresh]
        return None

    @guarded(Role.MARKETER, writes=True)
    def confirm_start(self, channel: str, campaign_id: int, skip: bool = False):
        """The confirmation's button; `skip`: its "send anyway, skipping N" (the preflight runs again)."""
        if channel != self.channel or not campaign_id or campaign_id != self.info.id:
            return rx.toast.error(BAD_REQUEST)
        allowed = self.send.skip != "" if skip is True else self.send.can_send
        self.send = SendCheck()
        if not allowed:
            return rx.toast.error("Nothing was started: look at what starting would do first.")
        try:
            with session_scope() as session:
                apply_action(session, channel, campaign_id, "start", skip_missing=skip is True)
        except DomainError as exc:
            return [rx.toast.error(exc.message), CampaignDetailState.refresh]
        return [rx.toast.success(f"“{self.info.name}” started: sending is queued."), CampaignDetailState.refresh]

    @guarded(Role.MARKETER)
    def close_start(self):
        self.send = SendCheck()

    @guarded(Role.MARKETER)
    def set_cancel_reason(self, reason: str):
        self.cancel_reason = reason[:1000]

    @guarded(Role.MARKETER, writes=True)
    def act(self, channel: str, campaign_id: int, action: str, reason: str = ""):
        """One of the page's buttons, for the campaign the page shows (`channel`, `campaign_id`
        name it so that the audit entry does)."""
        if action not in ACTIONS or channel != self.channel or not campaign_id or campaign_id != self.info.id:
            return rx.toast.error(BAD_REQUEST)
        try:
            with session_scope() as session:
                if action == "duplicate":
                    copy = campaigns.duplicate(session=session, channel=channel, campaign_id=campaign_id)
                    return [
                        rx.toast.success(f"Duplicated as “{copy.name}”, a new draft."),
                        rx.redirect(routes.campaign_detail(channel, id_of(copy))),
                    ]
                # The typed reason reaches the state (on blur) before the click; the click's own
                # copy of it may still be the old, empty one.
                why = (reason or self.cancel_reason) if action == "cancel" else None
                apply_action(session, channel, campaign_id, action, why)
        except DomainError as exc:
            return [rx.toast.error(exc.message), CampaignDetailState.refresh]
        self.cancel_reason = ""
        return [rx.toast.success(f"“{self.info.name}” {DONE[action]}."), CampaignDetailState.refresh]


def _act(action: str, reason: rx.Var | str = ""):
    return CampaignActionsState.act(CampaignDetailState.channel, CampaignDetailState.info.id, action, reason)


def cancel_dialog() -> rx.Component:
    """Cancel asks first, with an optional reason that the page then shows."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button("Cancel campaign…", color_scheme="red", variant="soft", size="2", id="action-cancel")
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Cancel this campaign?"),
            rx.alert_dialog.description(
                "Messages not sent yet will never be sent. What was already sent stays in its history. "
                "This cannot be undone."
            ),
            rx.text_area(
                placeholder="Why? (optional: shown on this page)",
                value=CampaignActionsState.cancel_reason,
                on_change=CampaignActionsState.set_cancel_reason,
                max_length=500,
                margin_top="1em",
                id="cancel-reason",
            ),
            ask_buttons(
                "Keep it",
                "cancel-keep",
                rx.alert_dialog.action(
                    rx.button(
                        "Cancel campaign",
                        color_scheme="red",
                        on_click=_act("cancel", CampaignActionsState.cancel_reason),
                        id="confirm-cancel",
                    )
                ),
            ),
        ),
    )


def action_buttons() -> rx.Component:
    """What the campaign allows now (`CampaignInfo.actions`); pause and cancel ask first, and so
    does resume after the reputation breaker paused the campaign."""
    info = CampaignDetailState.info
    pause = confirm_button(
        rx.button("Pause", variant="soft", size="2", id="action-pause"),
        title="Pause this campaign?",
        description="Messages not sent yet wait until you resume. Messages already on their way still arrive.",
        action="Pause sending",
        on_confirm=_act("pause"),
        confirm_id="confirm-pause",
    )
    resume = rx.button("Resume", size="2", on_click=_act("resume"), id="action-resume")
    resume_after_breaker = confirm_button(
        rx.button("Resume…", size="2", id="action-resume"),
        title="Resume despite the reputation breaker?",
        description=BREAKER_RESUME,
        action="Resume sending",
        on_confirm=_act("resume"),
        confirm_id="confirm-resume",
    )
    start = rx.fragment(
        rx.button("Start sending", size="2", on_click=CampaignActionsState.ask_start, id="action-start"),
        send_confirm_dialog(
            CampaignActionsState.send,
            is_open=CampaignActionsState.send.question != "",
            action="Start sending",
            on_confirm=CampaignActionsState.confirm_start(CampaignDetailState.channel, info.id, False),
            on_close=CampaignActionsState.close_start,
            on_skip=CampaignActionsState.confirm_start(CampaignDetailState.channel, info.id, True),
        ),
    )
    return rx.hstack(
        rx.cond(info.actions.contains("start"), start),
        rx.cond(info.actions.contains("pause"), pause),
        rx.cond(info.actions.contains("resume"), rx.cond(info.breaker, resume_after_breaker, resume)),
        rx.cond(info.actions.contains("cancel"), cancel_dialog()),
        rx.cond(
            info.actions.contains("edit"),
            rx.button(
                "Edit",
                variant="soft",
                size="2",
                on_click=CampaignFormState.open_edit(CampaignDetailState.channel, info.id, False),
                id="action-edit",
            ),
        ),
        rx.cond(
            info.actions.contains("duplicate"),
            rx.button("Duplicate", variant="soft", size="2", on_click=_act("duplicate"), id="action-duplicate"),
        ),
        rx.cond(info.actions.contains("follow_up"), follow_up_button()),
        spacing="2",
        wrap="wrap",
        id="campaign-actions",
    )
