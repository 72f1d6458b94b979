"""The campaign state machine: one table, the single source of truth for both channels.

draft -> scheduled -> sending -> sent | failed | paused
paused -> sending (resume), scheduled -> draft (unschedule),
scheduled | sending | paused -> cancelled
"""

from __future__ import annotations

from enum import StrEnum

from campaign_dashboard.models.enums import CampaignStatus
from campaign_dashboard.services.errors import IllegalTransition


class Action(StrEnum):
    SCHEDULE = "schedule"
    UNSCHEDULE = "unschedule"
    START = "start"
    PAUSE = "pause"
    RESUME = "resume"
    CANCEL = "cancel"
    COMPLETE = "complete"  # the worker: nothing left to send
    FAIL = "fail"  # the worker: fatal provider error or error budget exhausted


TRANSITIONS: dict[tuple[CampaignStatus, Action], CampaignStatus] = {
    (CampaignStatus.DRAFT, Action.SCHEDULE): CampaignStatus.SCHEDULED,
    (CampaignStatus.SCHEDULED, Action.UNSCHEDULE): CampaignStatus.DRAFT,
    (CampaignStatus.DRAFT, Action.START): CampaignStatus.SENDING,
    (CampaignStatus.SCHEDULED, Action.START): CampaignStatus.SENDING,
    (CampaignStatus.SENDING, Action.PAUSE): CampaignStatus.PAUSED,
    (CampaignStatus.PAUSED, Action.RESUME): CampaignStatus.SENDING,
    (CampaignStatus.SENDING, Action.COMPLETE): CampaignStatus.SENT,
    (CampaignStatus.SENDING, Action.FAIL): CampaignStatus.FAILED,
    (CampaignStatus.PAUSED, Action.FAIL): CampaignStatus.FAILED,
    (CampaignStatus.SCHEDULED, Action.CANCEL): CampaignStatus.CANCELLED,
    (CampaignStatus.SENDING, Action.CANCEL): CampaignStatus.CANCELLED,
    (CampaignStatus.PAUSED, Action.CANCEL): CampaignStatus.CANCELLED,
}

USER_ACTIONS = (
    Action.SCHEDULE,
    Action.UNSCHEDULE,
    Action.START,
    Action.PAUSE,
    Action.RESUME,
    Action.CANCEL,
)
TERMINAL = frozenset({CampaignStatus.SENT, CampaignStatus.FAILED, CampaignStatus.CANCELLED})
EDITABLE = frozenset({CampaignStatus.DRAFT, CampaignStatus.SCHEDULED})  # content is frozen once sending starts
DELETABLE = frozenset(
    {CampaignStatus.DRAFT, CampaignStatus.SCHEDULED, CampaignStatus.CANCELLED}
)  # only if nothing was sent


def next_status(current: str, action: str) -> CampaignStatus:
    """The status `action` leads to from `current`, or IllegalTransition saying why not."""
    try:
        key = (CampaignStatus(current), Action(action))
    except ValueError:
        raise IllegalTransition(f"Unknown action {action!r} or status {current!r}.") from None
    if key not in TRANSITIONS:
        allowed = ", ".join(allowed_actions(current)) or "none"
        raise IllegalTransition(f"Cannot {action} a campaign that is {current}. Allowed now: {allowed}.")
    return TRANSITIONS[key]


def allowed_actions(current: str) -> list[str]:
    """User actions the UI may offer for a campaign in `current` status."""
    return [a.value for a in USER_ACTIONS if (CampaignStatus(current), a) in TRANSITIONS]


def is_terminal(status: str) -> bool:
    return CampaignStatus(status) in TERMINAL
