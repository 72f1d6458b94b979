"""The create / edit dialog of a campaign: `CreateEmailCampaignDialog` and its SMS twin.

The email preview is shown in an iframe with an empty `sandbox` attribute: no script in the
marketer's HTML ever runs, let alone in our origin. The page that shows a dialog passes
`on_saved`, what to run after Save (its list's reload), so this module never imports a page.
"""

from __future__ import annotations

import reflex as rx

from campaign_dashboard.ui.campaign_form.ab_view import ab_test_section
from campaign_dashboard.ui.campaign_form.choices import DRAFT, HTML, NOW, SCHEDULE, TEMPLATE, TIMEZONES
from campaign_dashboard.ui.campaign_form.state import CampaignFormState
from campaign_dashboard.ui.components import thousands
from campaign_dashboard.ui.confirm import send_confirm_dialog
from campaign_dashboard.ui.fields import (
    callout_if,
    close_button,
    dialog_buttons,
    error_text,
    hint_text,
    labelled,
    segmented,
)


def field_error(name: str) -> rx.Component:
    """The service's message for field `name`, if any."""
    errors = CampaignFormState.errors
    return rx.cond(errors.contains(name), error_text(errors[name], id=f"error-{name}", class_name="field-error"))


def field(label: str, control: rx.Component, name: str, *notes: rx.Component) -> rx.Component:
    """A field: its label, the control, the service's message for it (if any), then notes."""
    return labelled(label, control, f"campaign-{name}", field_error(name), *notes)


def text_input(name: str, value: rx.Var, on_change=None, **props) -> rx.Component:
    """A one-line field; typing goes to `on_change`, or else to `set_field(name, ...)`."""
    typed = on_change if on_change is not None else (lambda v: CampaignFormState.set_field(name, v))
    return rx.input(value=value, on_change=typed, id=f"campaign-{name}", width="100%", **props)


def text_area(name: str, value: rx.Var, on_change, rows: str, **props) -> rx.Component:
    return rx.text_area(value=value, on_change=on_change, id=f"campaign-{name}", rows=rows, width="100%", **props)


def select(name: str, options: rx.Var, value: rx.Var, on_change, placeholder: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(placeholder=placeholder, id=f"campaign-{name}", width="100%"),
        rx.select.content(rx.foreach(options, lambda o: rx.select.item(o.label, value=o.value))),
        value=value,
        on_change=on_change,
    )


def segment_field() -> rx.Component:
    return field(
        "Segment",
        select(
            "segment_id",
            CampaignFormState.segment_options,
            CampaignFormState.segment_id,
            CampaignFormState.set_segment,
            "Choose who gets it",
        ),
        "segment_id",
        rx.cond(
            CampaignFormState.audience >= 0,
            rx.text(
                rx.text.strong(thousands(CampaignFormState.audience)),
                " recipients right now (subscribed and not suppressed)",
                size="1",
                color_scheme="gray",
                id="campaign-audience",
            ),
            rx.cond(
                CampaignFormState.segment_options.length() == 0,
                hint_text("No segments yet: create one on the Segments page first."),
            ),
        ),
    )


def topic_field() -> rx.Component:
    """The campaign's topic: contacts who left it in the preference centre are not sent it."""
    return field(
        "Topic",
        select(
            "topic_id",
            CampaignFormState.topic_options,
            CampaignFormState.topic_id,
            CampaignFormState.set_topic,
            "What it is about",
        ),
        "topic_id",
        hint_text("Contacts who left this topic from an unsubscribe link are not sent it."),
    )


def frequency_cap_field() -> rx.Component:
    """ "Ignore the frequency cap", with the cap in words: shown while the workspace has a cap (or
    this campaign ignores one)."""
    state = CampaignFormState
    return rx.cond(
        (state.frequency_cap != "") | state.ignore_frequency_cap,
        rx.vstack(
            rx.checkbox(
                "Ignore the frequency cap (urgent notice)",
                checked=state.ignore_frequency_cap,
                on_change=state.set_ignore_frequency_cap,
                id="campaign-ignore_frequency_cap",
                size="2",
            ),
            field_error("ignore_frequency_cap"),
            hint_text(state.frequency_cap, id="campaign-frequency-cap"),
            spacing="1",
            width="100%",
        ),
    )


def zone_select(name: str, control_id: str, label: str) -> rx.Component:
    """A pick of every time zone for the plain field `name`."""
    return rx.select.root(
        rx.select.trigger(id=control_id, aria_label=label),
        rx.select.content(*[rx.select.item(z, value=z) for z in TIMEZONES]),
        value=getattr(CampaignFormState, name),
        on_change=lambda v: CampaignFormState.set_field(name, v),
    )


def local_time_field() -> rx.Component:
    """ "Send at a set time in each contact's time zone", with the time and the zone for contacts
    without one (services/sending/local_time.py)."""
    state = CampaignFormState
    return rx.vstack(
        rx.checkbox(
            "Send at a set time in each contact's time zone",
            checked=state.local_time,
            on_change=state.set_local_time,
            id="campaign-local_time",
            size="2",
        ),
        rx.cond(
            state.local_time,
            rx.vstack(
                rx.flex(
                    rx.input(
                        type="time",
                        value=state.local_send_time,
                        on_change=lambda v: state.set_field("local_send_time", v),
                        id="campaign-local_send_time",
                        aria_label="Local send time",
                    ),
                    zone_select("local_time_zone", "campaign-local_time_zone", "Time zone for contacts without one"),
                    spacing="2",
                    wrap="wrap",
                ),
                field_error("local_send_time"),
                field_error("local_time_zone"),
                hint_text(
                    "Each contact gets it at the next ",
                    state.local_send_time,
                    " in their own time zone after it starts; contacts without a time zone, at ",
                    state.local_send_time,
                    " in the zone chosen here. The campaign keeps sending until the last zone's turn.",
                    id="campaign-local-time-note",
                ),
                spacing="1",
                width="100%",
            ),
        ),
        spacing="1",
        width="100%",
    )


def schedule_input(name: str, kind: str, control_id: str, label: str) -> rx.Component:
    """The schedule's date or time (`kind`), named by `label` (the "When" label names the choice)."""
    return rx.input(
        type=kind,
        value=getattr(CampaignFormState, name),
        on_change=lambda v: CampaignFormState.set_field(name, v),
        id=control_id,
        aria_label=label,
    )


def schedule_fields() -> rx.Component:
    return rx.vstack(
        field(
            "When",
            segmented(
                [("Save as draft", DRAFT), ("Send now", NOW), ("Schedule", SCHEDULE)],
                CampaignFormState.when,
                CampaignFormState.set_when,
                id="campaign-when",
            ),
            "when",
        ),
        rx.cond(
            CampaignFormState.when == SCHEDULE,
            rx.vstack(
                rx.flex(
                    schedule_input("schedule_date", "date", "campaign-scheduled_at", "Date"),
                    schedule_input("schedule_time", "time", "campaign-time", "Time"),
                    zone_select("timezone", "campaign-timezone", "Time zone"),
                    spacing="2",
                    wrap="wrap",
                ),
                field_error("scheduled_at"),
                field_error("timezone"),
                spacing="1",
                width="100%",
            ),
        ),
        spacing="2",
        width="100%",
    )


def test_send_box(label: str, placeholder: str) -> rx.Component:
    return field(
        label,
        rx.hstack(
            rx.input(
                value=CampaignFormState.test_to,
                on_change=lambda v: CampaignFormState.set_field("test_to", v),
                placeholder=placeholder,
                id="campaign-test_to",
                flex="1",
            ),
            rx.button(
                rx.icon("send", size=14),
                "Send test",
                variant="soft",
                loading=CampaignFormState.working == "test",
                on_click=[CampaignFormState.begin("test"), CampaignFormState.send_test],
                id="send-test",
            ),
            width="100%",
        ),
        "test_to",
        hint_text("One message rendered for the sample contact; nothing is recorded."),
    )


def section(title: str) -> rx.Component:
    """A heading that splits the dialog into parts (on a phone the dialog is a long sheet)."""
    return rx.heading(title, size="3", class_name="form-section", margin_top="0.5em")


def email_fields() -> rx.Component:
    return rx.vstack(
        section("Message"),
        field("Name", text_input("name", CampaignFormState.name, placeholder="Spring sale"), "name"),
        field(
            "Subject",
            text_input(
                "subject",
                CampaignFormState.subject,
                CampaignFormState.set_subject,
                placeholder="{{ first_name }}, spring is here",
            ),
            "subject",
        ),
        rx.flex(
            field("From", text_input("from_email", CampaignFormState.from_email), "from_email"),
            field("Reply-to", text_input("reply_to", CampaignFormState.reply_to, placeholder="optional"), "reply_to"),
            spacing="3",
            width="100%",
            direction=rx.breakpoints(initial="column", sm="row"),
        ),
        section("Audience"),
        segment_field(),
        topic_field(),
        frequency_cap_field(),
        local_time_field(),
        section("Content"),
        field(
            "Content",
            segmented(
                [("Template", TEMPLATE), ("Custom HTML", HTML)],
                CampaignFormState.source,
                CampaignFormState.set_source,
                id="campaign-source",
            ),
            "template_id",
        ),
        rx.cond(
            CampaignFormState.source == TEMPLATE,
            select(
                "template_id",
                CampaignFormState.template_options,
                CampaignFormState.template_id,
                CampaignFormState.set_template,
                "Choose a template",
            ),
            field(
                "HTML",
                text_area("html", CampaignFormState.html, CampaignFormState.set_html, "12", font_family="monospace"),
                "html",
            ),
        ),
        section("A/B test"),
        ab_test_section("email"),
        section("When"),
        schedule_fields(),
        spacing="3",
        width="100%",
    )


def preview_picker() -> rx.Component:
    """Who the preview is for: the sample contact, or a real one of the audience, stepped through
    (previous, next) or found by name or address."""
    state = CampaignFormState
    real = state.preview_label != ""
    return rx.vstack(
        rx.text(
            "Preview as ",
            rx.cond(real, rx.text.strong(state.preview_label), "the sample contact Jane Doe"),
            rx.cond(real, rx.text(" (", state.preview_where, " of the audience)", as_="span", color_scheme="gray")),
            size="2",
            id="preview-as",
        ),
        rx.hstack(
            rx.button(
                "Previous", on_click=state.preview_step("previous"), variant="soft", size="1", id="preview-previous"
            ),
            rx.button("Next", on_click=state.preview_step("next"), variant="soft", size="1", id="preview-next"),
            rx.input(
                value=state.preview_search,
                on_change=state.set_preview_search,
                placeholder="Find a contact by name or address",
                aria_label="Find a contact to preview as",
                size="1",
                id="preview-search",
                flex="1",
                min_width="10em",
            ),
            rx.button("Find", on_click=state.preview_step("find"), variant="soft", size="1", id="preview-find"),
            rx.cond(
                real,
                rx.button(
                    "Sample", on_click=state.preview_step("sample"), variant="ghost", size="1", id="preview-sample"
                ),
            ),
            spacing="2",
            align="center",
            wrap="wrap",
            width="100%",
        ),
        rx.cond(state.preview_note != "", hint_text(state.preview_note, id="preview-note")),
        spacing="1",
        width="100%",
    )


def preview_error() -> rx.Component:
    """Why the preview could not render for the previewed contact (the last good one stays)."""
    return callout_if(
        CampaignFormState.preview_error,
        icon="triangle-alert",
        color_scheme="orange",
        size="1",
        id="preview-error",
        width="100%",
    )


def email_preview() -> rx.Component:
    return rx.vstack(
        preview_picker(),
        rx.card(
            rx.vstack(
                rx.text(rx.text.strong("Subject: "), CampaignFormState.preview_subject, size="2", id="preview-subject"),
                rx.el.iframe(
                    src_doc=CampaignFormState.preview_html,
                    sandbox="",  # empty: no scripts, no same origin, no forms, no popups
                    title="Email preview",
                    id="campaign-preview",
                    width="100%",
                    height="360px",
                    style={"border": "none", "background": "white"},
                ),
                spacing="2",
                width="100%",
            ),
            width="100%",
        ),
        preview_error(),
        test_send_box("Send a test", "you@example.com"),
        spacing="3",
        width="100%",
    )


def sms_fields() -> rx.Component:
    counter = CampaignFormState.counter
    return rx.vstack(
        section("Message"),
        field("Name", text_input("name", CampaignFormState.name, placeholder="Flash sale"), "name"),
        section("Audience"),
        segment_field(),
        topic_field(),
        frequency_cap_field(),
        local_time_field(),
        section("Content"),
        field(
            "Sender",
            text_input(
                "from_number", CampaignFormState.from_number, placeholder="Default: " + CampaignFormState.default_sender
            ),
            "from_number",
            hint_text("An E.164 number, a Messaging Service SID (MG…) or an alphanumeric sender id."),
        ),
        field(
            "Message",
            text_area(
                "body",
                CampaignFormState.body,
                CampaignFormState.set_body,
                "5",
                placeholder="Hi {{ first_name }}, … Reply STOP to opt out.",
            ),
            "body",
            rx.hstack(
                rx.badge(
                    counter.encoding,
                    variant="soft",
                    id="sms-encoding",
                    color_scheme=rx.cond(counter.encoding == "GSM-7", "green", "orange"),
                ),
                rx.text(thousands(counter.characters), " characters", size="1", id="sms-characters"),
                rx.text("·", size="1", color_scheme="gray"),
                rx.text(counter.segments, " segment(s)", size="1", weight="bold", id="sms-segments"),
                rx.text("·", size="1", color_scheme="gray"),
                rx.text(
                    counter.remaining, " left in this segment of ", counter.per_segment, size="1", color_scheme="gray"
                ),
                spacing="2",
                align="center",
                wrap="wrap",
            ),
            rx.cond(
                counter.non_gsm != "",
                rx.text(
                    "Not in the GSM-7 alphabet, so the whole message is sent as Unicode (70 characters a segment): ",
                    counter.non_gsm,
                    size="1",
                    color_scheme="orange",
                    id="sms-non-gsm",
                ),
            ),
            hint_text("Counted as the previewed contact gets it."),
        ),
        preview_picker(),
        rx.card(
            rx.text(
                rx.cond(CampaignFormState.sms_message != "", CampaignFormState.sms_message, "…"),
                size="2",
                white_space="pre-wrap",
                id="sms-preview",
            ),
            width="100%",
        ),
        preview_error(),
        rx.cond(
            CampaignFormState.cost != "", rx.text("Estimated cost ", CampaignFormState.cost, size="2", id="sms-cost")
        ),
        callout_if(
            CampaignFormState.quiet_hours, icon="moon", color_scheme="blue", size="1", id="quiet-hours", width="100%"
        ),
        section("A/B test"),
        ab_test_section("sms"),
        section("When"),
        schedule_fields(),
        test_send_box("Send a test", "+14155550123"),
        spacing="3",
        width="100%",
    )


def dialog(fields: rx.Component, preview: rx.Component | None, dialog_id: str, on_saved: list) -> rx.Component:
    body = (
        rx.grid(fields, preview, columns=rx.breakpoints(initial="1", md="2"), spacing="5", width="100%")
        if preview is not None
        else fields
    )
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(CampaignFormState.title),
            rx.dialog.description(
                "Saving checks every field; messages appear next to the ones to fix.",
                size="2",
                color_scheme="gray",
                margin_bottom="1em",
            ),
            body,
            rx.box(
                rx.cond(
                    CampaignFormState.errors.contains(""),
                    error_text(CampaignFormState.errors[""], id="campaign-problems"),
                ),
                role="alert",
                padding_top="1em",
            ),
            dialog_buttons(
                close_button("Close", id="campaign-close"),
                rx.button(
                    CampaignFormState.save_label,
                    loading=CampaignFormState.working == "save",
                    on_click=[CampaignFormState.begin("save"), CampaignFormState.save, *on_saved],
                    id="campaign-save",
                ),
                padding_top="1.5em",
            ),
            send_confirm_dialog(
                CampaignFormState.send,
                is_open=CampaignFormState.send.question != "",
                action=CampaignFormState.save_label,
                on_confirm=[CampaignFormState.begin("save"), CampaignFormState.confirm_send(False), *on_saved],
                on_close=CampaignFormState.close_send,
                on_skip=[CampaignFormState.begin("save"), CampaignFormState.confirm_send(True), *on_saved],
            ),
            max_width=rx.breakpoints(initial="100vw", sm="72em" if preview is not None else "40em"),
            width=rx.breakpoints(initial="100vw", sm="96vw"),
            # On a phone, a full-screen sheet: no margins, no rounded corners, the whole height.
            max_height=rx.breakpoints(initial="100dvh", sm="calc(100vh - 4em)"),
            border_radius=rx.breakpoints(initial="0", sm="var(--radius-5)"),
            id=dialog_id,
        ),
        open=CampaignFormState.is_open,
        on_open_change=CampaignFormState.set_open,
    )


def CreateEmailCampaignDialog(on_saved: list) -> rx.Component:  # noqa: N802 - the product spec's component name
    """`on_saved`: events to run after Save (also a failed one: re-reading a list is harmless)."""
    return dialog(email_fields(), email_preview(), "campaign-form", on_saved)


def CreateSmsCampaignDialog(on_saved: list) -> rx.Component:  # noqa: N802 - named like its email twin
    return dialog(sms_fields(), None, "campaign-form", on_saved)
