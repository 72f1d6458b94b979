"""The lifecycle buttons on a campaign's page: pause, resume, cancel (with a reason), edit and
duplicate, as the campaign allows them (`CampaignInfo.actions`).

A substate of the page's state, so the page state stays about showing the campaign. Every action
goes through `campaigns.commands` with the queue from `wiring`, like the list's; the guard records
it in the audit log with its arguments (the channel among them, so the page can say who cancelled).
Edit needs no handler here: its button opens the campaign form's dialog, which the page renders.
"""

from __future__ import annotations

import reflex as rx

from campaign_dashboard.db import session_scope
from campaign_dashboard.models import Role, id_of
from campaign_dashboard.services import campaigns
from campaign_dashboard.services.campaigns import commands
from campaign_dashboard.services.campaigns.lifecycle import Action
from campaign_dashboard.services.errors import DomainError
from campaign_dashboard.ui import routes
from campaign_dashboard.ui.campaign_detail_state import CampaignDetailState
from campaign_dashboard.ui.guard import BAD_REQUEST, guarded
from campaign_dashboard.wiring import campaign_queue

ACTIONS = ("pause", "resume", "cancel", "duplicate")  # edit opens the form (`CampaignFormState.open_edit`)
DONE = {"pause": "paused", "resume": "resumed: sending goes on", "cancel": "cancelled"}


class CampaignActionsState(CampaignDetailState):
    cancel_reason: str = ""

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
                commands.apply_action(
                    session=session,
                    channel=channel,
                    campaign_id=campaign_id,
                    action=Action(action),
                    queue=campaign_queue,
                    reason=reason if action == "cancel" else None,
                )
        except DomainError as exc:
            return [rx.toast.error(exc.message), CampaignDetailState.refresh]
        self.cancel_reason = ""
        return [rx.toast.success(f"“{self.info.name}” {DONE[action]}."), CampaignDetailState.refresh]
