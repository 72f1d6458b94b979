"""Asking first: a button that asks before it does something that cannot be undone (delete,
unsubscribe), a confirmation that asks why (`reason_dialog`), and the confirmation before a
campaign is sent or scheduled (`SendCheck`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import reflex as rx
from reflex.event import EventSpec

from campaign_dashboard.db import session_scope
from campaign_dashboard.models import Channel
from campaign_dashboard.services import campaigns
from campaign_dashboard.services.campaigns import ab_tests, preflight
from campaign_dashboard.ui.fields import ask_buttons, callout_if
from campaign_dashboard.ui.form_dialog import Field, form_field


def confirm_button(
    trigger: rx.Component,
    *,
    title: rx.Component | str,
    description: rx.Component | str,
    action: str,
    on_confirm: EventSpec,
    confirm_id: str | None = None,
    confirm_class: str | None = None,
) -> rx.Component:
    """`trigger` opens a dialog; only its red `action` button runs `on_confirm`."""
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(trigger),
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(description),
            ask_buttons(
                "Cancel",
                None,
                rx.alert_dialog.action(
                    rx.button(action, color_scheme="red", on_click=on_confirm, id=confirm_id, class_name=confirm_class),
                ),
            ),
        ),
    )


def reason_dialog(
    *,
    is_open: rx.Var[bool],
    on_open_change: Any,
    title: rx.Component | str,
    description: rx.Component | str,
    action: str,
    on_submit: EventSpec,
    errors: rx.Var,
    form_id: str,
    field: Field = Field("reason", "Reason", rx.input),
) -> rx.Component:
    """Asking before an action that must be explained (the ledger keeps why): the form's reason
    (`#{form_id}-reason`, its error under it), and a red `action` button submitting it. A refusal
    naming no field (`errors[""]`) stays in the dialog (`#{form_id}-refusal`) until it is closed.
    Another `field` asks for something else (the address typed again before an erasure)."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(title),
            rx.alert_dialog.description(description, size="2"),
            rx.form(
                rx.vstack(
                    callout_if(
                        errors.get("", ""),
                        icon="shield-alert",
                        color_scheme="amber",
                        width="100%",
                        id=f"{form_id}-refusal",
                    ),
                    form_field(errors, form_id, field),
                    ask_buttons(
                        "Cancel",
                        f"{form_id}-cancel",
                        rx.button(
                            action, type="submit", color_scheme="red", high_contrast=True, id=f"{form_id}-submit"
                        ),
                    ),
                    spacing="3",
                    width="100%",
                    margin_top="1em",
                ),
                on_submit=on_submit,
                reset_on_submit=False,
            ),
            id=form_id,
        ),
        open=is_open,
        on_open_change=on_open_change,
    )


# --- asking before sending -------------------------------------------------------------------------
# Reusable by any page that starts or schedules a campaign: build a `SendCheck` with `check_saved`
# (a saved campaign) or `send_check` (a `preflight.summarise` of unsaved content), in a worker
# thread since it renders for up to `preflight.SAMPLE_SIZE` contacts; show it with
# `send_confirm_dialog`, which offers its confirm button only when nothing would break.


@dataclass
class SendCheck:
    """What the confirmation before sending shows; `question` is "" while nothing is asked."""

    question: str = ""
    facts: list[str] = field(default_factory=list)  # channel, sender, audience, SMS cost
    checked: str = ""  # which contacts were rendered, and the verdict
    problems: list[str] = field(default_factory=list)  # one sentence per problem, field first
    can_send: bool = False
    skip: str = ""  # "Send anyway, skipping 12 contacts" when only some contacts lack a variable


def send_check(summary: preflight.SendSummary, *, when: str = "", ab: dict | None = None) -> SendCheck:
    """The confirmation of sending `summary`'s campaign now, or at `when` (a local time, in words);
    `ab`: its A/B test's settings (`ab_tests.checked`), said as a fact."""
    result, name = summary.preflight, summary.name
    recipients = f"{summary.audience:,} recipient{'' if summary.audience == 1 else 's'}"
    is_email = summary.channel is Channel.EMAIL
    facts = [
        f"Channel: {'Email' if is_email else 'SMS'}",
        f"From: {summary.sender or 'the default sender'}",
        f"Recipients: {recipients} (subscribed, without suppressed or opted-out addresses)",
    ]
    if summary.cap is not None:
        skipped = f"{summary.capped:,} contact{'' if summary.capped == 1 else 's'} skipped by the frequency cap"
        if not summary.capped:
            skipped = "no contact reaches it"
        facts.append(f"Frequency cap: {skipped} ({summary.cap.words()})")
    elif summary.cap_ignored:
        facts.append("Frequency cap: ignored for this campaign (an urgent notice): everyone is sent it")
    if ab is not None:
        facts.append(
            ab_tests.describe(
                variants=len(ab["variants"]),
                share=ab["test_share"],
                metric=ab["metric"],
                wait_minutes=ab["wait_minutes"],
                audience=summary.receiving,
            )
        )
    if not is_email:
        cost = "unknown" if summary.sms_cost is None else f"≈ {summary.sms_cost:,.2f} {summary.currency}"
        facts.append(f"{summary.sms_segments} segment(s) per message; estimated cost {cost}")
    if not result.ok:
        skippable = result.skippable and not when  # a scheduled start checks again, with no one to ask
        return SendCheck(
            question=f"“{name}” cannot be sent to everyone" if skippable else f"“{name}” cannot be sent yet",
            facts=facts,
            checked=f"Rendered for {result.scope()}: "
            + ("some contacts lack a variable. Fix it, or send without them." if skippable else "fix these first."),
            problems=[f"{p.field}: {p.sentence()}" for p in result.problems],
            skip=f"Send anyway, skipping {result.skipped_words()}" if skippable else "",
        )
    receiving = f"{summary.receiving:,} recipient{'' if summary.receiving == 1 else 's'}"
    question = f"Schedule “{name}” for {when} to {receiving}?" if when else f"Send “{name}” to {receiving} now?"
    checked = f"Rendered for {result.scope()}: no problems found." if result.checked else ""
    return SendCheck(question=question, facts=facts, checked=checked, can_send=True)


def check_saved(channel: str, campaign_id: int, *, when: str = "") -> SendCheck:
    """`send_check` of a saved campaign (blocking: run it in a worker thread). Raises the
    DomainError that starting it would (unknown campaign, invalid content)."""
    with session_scope() as session:
        campaign = campaigns.get(session=session, channel=channel, campaign_id=campaign_id)
        values = preflight.campaign_values(channel, campaign)
        summary = preflight.summarise(session=session, channel=channel, values=values)
        test = ab_tests.get_test(session=session, channel=channel, campaign_id=campaign_id)
        fields = ("variants", "test_share", "metric", "wait_minutes")
        ab = None if test is None else {k: getattr(test, k) for k in fields}
        return send_check(summary, when=when, ab=ab)


def send_confirm_dialog(
    check: Any, *, is_open: Any, action: Any, on_confirm: Any, on_close: EventSpec, on_skip: Any = None
) -> rx.Component:
    """The confirmation of `check` (a state's SendCheck var); `action` labels the confirm button,
    shown only when `check.can_send`; `on_skip`, sending without the contacts that lack a variable,
    is offered when `check.skip` says so. Ids: #send-confirm, #send-confirm-yes, #send-confirm-no,
    #send-confirm-skip."""
    return rx.alert_dialog.root(
        rx.alert_dialog.content(
            rx.alert_dialog.title(check.question),
            rx.alert_dialog.description(
                rx.vstack(
                    rx.foreach(check.facts, lambda fact: rx.text(fact, size="2")),
                    rx.text(check.checked, size="2", color_scheme="gray"),
                    spacing="1",
                ),
            ),
            rx.cond(
                check.problems.length() > 0,
                rx.callout.root(
                    rx.callout.icon(rx.icon("triangle-alert")),
                    rx.vstack(
                        rx.foreach(check.problems, lambda problem: rx.callout.text(problem, class_name="send-problem")),
                        spacing="1",
                    ),
                    color_scheme="red",
                    size="1",
                    margin_top="1em",
                    id="send-confirm-problems",
                ),
            ),
            ask_buttons(
                rx.cond(check.can_send, "Cancel", "Back"),
                "send-confirm-no",
                rx.cond(
                    check.can_send,
                    rx.alert_dialog.action(rx.button(action, on_click=on_confirm, id="send-confirm-yes")),
                ),
                *(
                    [
                        rx.cond(
                            check.skip != "",
                            rx.alert_dialog.action(
                                rx.button(check.skip, on_click=on_skip, color_scheme="orange", id="send-confirm-skip")
                            ),
                        )
                    ]
                    if on_skip is not None
                    else []
                ),
            ),
            id="send-confirm",
        ),
        open=is_open,
        on_open_change=lambda now_open: rx.cond(now_open, rx.noop(), on_close),
    )


def check_unsaved(channel: str, values: dict, *, when: str = "", ab: dict | None = None) -> SendCheck:
    """`send_check` of content not saved yet (the campaign dialog's, with its A/B settings `ab`),
    blocking like `check_saved`; ValidationFailed naming the field when saving would refuse it."""
    with session_scope() as session:
        return send_check(preflight.summarise(session=session, channel=channel, values=values), when=when, ab=ab)
