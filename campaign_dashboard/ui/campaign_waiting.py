"""Why a campaign is not moving, on its page and on the overview (`services.stats.waiting`).

The campaign page's "Why is this waiting" panel lists the reasons in words with their times in
the viewer's own time zone, the counts behind them and when the last message should go out; the
recipients table says "Waiting for quiet hours to end (until …)" instead of the raw note; the
overview puts a short word next to a held-up campaign's progress. Reasons change without any
send or event (a worker stops, a window opens), so the live pages' markers also move every
`REFRESH_SECONDS` (`refresh_slot`).
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from datetime import timedelta

import reflex as rx
from sqlmodel import Session

from campaign_dashboard.config import get_settings
from campaign_dashboard.services.operations.workers import live_workers
from campaign_dashboard.services.sending.throttle import waits_until
from campaign_dashboard.services.stats import waiting
from campaign_dashboard.ui.components import iso_utc, local_time, thousands

REFRESH_SECONDS = 15


@dataclass
class ReasonRow:
    kind: str = ""
    word: str = ""
    message: str = ""
    at: str = ""  # ISO UTC, shown in the viewer's time zone
    at_label: str = ""


@dataclass
class WaitingPanel:
    reasons: list[ReasonRow] = field(default_factory=list)
    eta: str = ""  # ISO UTC; "" when nothing moves or nothing is left
    remaining: int = 0
    ready: int = 0
    in_flight: int = 0
    waiting_quiet_hours: int = 0
    waiting_send_time: int = 0
    last_send_time: str = ""  # ISO UTC: the last zone's turn
    retrying: int = 0


def refresh_slot() -> str:
    """Appended to a live page's marker: moves every REFRESH_SECONDS, so reasons that change with
    no activity (a worker stopped, a quiet-hours window opened) are read again."""
    return f"|{int(time.time() // REFRESH_SECONDS)}"


def workers_alive(session: Session) -> int:
    timeout = timedelta(seconds=get_settings().worker_heartbeat_timeout_seconds)
    return live_workers(session, timeout=timeout)


def read_waiting(session: Session, channel: str, campaign) -> WaitingPanel:
    """The panel for `campaign` (a row already read)."""
    alive = workers_alive(session) if campaign.status in waiting.MOVING else 0
    found = waiting.progress_of(
        session=session, settings=get_settings(), channel=channel, campaign=campaign, workers=alive
    )
    return WaitingPanel(
        reasons=[
            ReasonRow(kind=r.kind, word=r.word, message=r.message, at=iso_utc(r.at), at_label=r.at_label)
            for r in found.reasons
        ],
        eta=iso_utc(found.eta),
        remaining=found.remaining,
        ready=found.ready,
        in_flight=found.in_flight,
        waiting_quiet_hours=found.waiting_quiet_hours,
        waiting_send_time=found.waiting_send_time,
        last_send_time=iso_utc(found.last_send_time),
        retrying=found.retrying,
    )


def overview_word(session: Session, channel: str, campaign, alive: int) -> str:
    """The overview's short word for a held-up campaign ("" while it just sends)."""
    return waiting.reason_word(
        session=session, settings=get_settings(), channel=channel, campaign=campaign, workers=alive
    )


def quiet_hours_until(status: str, last_error: str | None) -> str:
    """A pending row's quiet-hours window start (ISO UTC), "" for any other row."""
    return iso_utc(waits_until(last_error)) if status == "pending" else ""


# --- components ----------------------------------------------------------------------------------


def _reason(reason: rx.Var) -> rx.Component:
    return rx.hstack(
        rx.badge(reason.word, color_scheme="orange", variant="soft", high_contrast=True),
        rx.text(
            reason.message,
            rx.cond(reason.at != "", rx.text.span(" ", reason.at_label, " ", local_time(reason.at), ".")),
            size="2",
        ),
        align="start",
        spacing="2",
        class_name="waiting-reason",
        data_kind=reason.kind,
    )


def _count(value: rx.Var[int], label: str) -> rx.Component:
    return rx.cond(value.to(int) > 0, rx.text(thousands(value), " ", label, size="1", color_scheme="gray"))


def waiting_panel(panel: rx.Var) -> rx.Component:
    """The campaign page's panel: reasons, counts and the ETA (nothing when it has neither)."""
    has_reasons = panel.reasons.length() > 0
    return rx.cond(
        has_reasons | (panel.eta != ""),
        rx.card(
            rx.vstack(
                rx.heading(rx.cond(has_reasons, "Why is this waiting", "When it should be done"), size="3"),
                rx.foreach(panel.reasons, _reason),
                rx.hstack(
                    _count(panel.ready, "ready to send"),
                    _count(panel.in_flight, "being sent"),
                    _count(panel.waiting_send_time, "waiting for their local send time"),
                    _count(panel.waiting_quiet_hours, "waiting for quiet hours to end"),
                    _count(panel.retrying, "retrying after provider errors"),
                    spacing="3",
                    wrap="wrap",
                ),
                rx.cond(
                    panel.last_send_time != "",
                    rx.text(
                        "The last time zone's turn comes at ",
                        rx.text.span(local_time(panel.last_send_time), weight="medium", id="campaign-last-send-time"),
                        ".",
                        size="2",
                    ),
                ),
                rx.cond(
                    panel.eta != "",
                    rx.text(
                        "The last message should go out around ",
                        rx.text.span(local_time(panel.eta), weight="medium", id="campaign-eta"),
                        " at the configured send rate.",
                        size="2",
                    ),
                ),
                spacing="2",
                width="100%",
            ),
            width="100%",
            id="campaign-waiting",
        ),
    )


def last_error_cell(row: rx.Var) -> rx.Component:
    """A recipient's last error; a quiet-hours wait is not one, and says until when locally."""
    return rx.cond(
        row.waits_until != "",
        rx.text(
            "Waiting for quiet hours to end (until ",
            local_time(row.waits_until),
            ")",
            size="1",
            color_scheme="gray",
            class_name="quiet-hours-wait",
        ),
        rx.text(row.last_error, size="1", color_scheme="red", max_width="22em", trim="both"),
    )


def waiting_word(word: rx.Var) -> rx.Component:
    """The overview's word next to a held-up campaign's progress."""
    return rx.cond(
        word != "",
        rx.badge(word, color_scheme="orange", variant="soft", high_contrast=True, class_name="waiting-word"),
    )
