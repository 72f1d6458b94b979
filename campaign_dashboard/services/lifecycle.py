"""The campaign state machine: one table, the single source of truth for both channels.

    draft -> scheduled -> sending -> sent | failed | paused
    paused -> sending (resume), scheduled -> draft (unschedule),
    scheduled | sending | paused -> cancelled
"""

from __future__ import annotations

from enum import StrEnum

from campaign_dashboard.models.enums import CampaignStatus as S
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


TRANSITIONS: dict[tuple[S, Action], S] = {
    (S.DRAFT, Action.SCHEDULE): S.SCHEDULED,
    (S.SCHEDULED, Action.UNSCHEDULE): S.DRAFT,
    (S.DRAFT, Action.START): S.SENDING,
    (S.SCHEDULED, Action.START): S.SENDING,
    (S.SENDING, Action.PAUSE): S.PAUSED,
    (S.PAUSED, Action.RESUME): S.SENDING,
    (S.SENDING, Action.COMPLETE): S.SENT,
    (S.SENDING, Action.FAIL): S.FAILED,
    (S.PAUSED, Action.FAIL): S.FAILED,
    (S.SCHEDULED, Action.CANCEL): S.CANCELLED,
    (S.SENDING, Action.CANCEL): S.CANCELLED,
    (S.PAUSED, Action.CANCEL): S.CANCELLED,
}

USER_ACTIONS = (
    Action.SCHEDULE,
    Action.UNSCHEDULE,
    Action.START,
    Action.PAUSE,
    Action.RESUME,
    Action.CANCEL,
)
TERMINAL = frozenset({S.SENT, S.FAILED, S.CANCELLED})
EDITABLE = frozenset({S.DRAFT, S.SCHEDULED})  # content is frozen once sending starts
DELETABLE = frozenset({S.DRAFT, S.SCHEDULED, S.CANCELLED})  # only if nothing was sent


def next_status(current: str, action: str) -> S:
    """The status `action` leads to from `current`, or IllegalTransition saying why not."""
    try:
        key = (S(current), Action(action))
    except ValueError:
        raise IllegalTransition(f"Unknown action {action!r} or status {current!r}.") from None
    if key not in TRANSITIONS:
        allowed = ", ".join(allowed_actions(current)) or "none"
        raise IllegalTransition(
            f"Cannot {action} a campaign that is {current}. Allowed now: {allowed}."
        )
    return TRANSITIONS[key]


def allowed_actions(current: str) -> list[str]:
    """User actions the UI may offer for a campaign in `current` status."""
    return [a.value for a in USER_ACTIONS if (S(current), a) in TRANSITIONS]


def is_terminal(status: str) -> bool:
    return S(status) in TERMINAL
