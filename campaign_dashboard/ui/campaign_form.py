"""The create / edit dialog of a campaign: `CreateEmailCampaignDialog` and its SMS twin.

One state serves both channels and both uses (create, and edit of a draft or scheduled campaign).
It only gathers what the user typed and asks the services: they validate (their field errors are
shown next to the fields), render the preview for the sample contact, count the segment's
audience, count SMS segments and send a test. The email preview is shown in an iframe with an
empty `sandbox` attribute: no script in the marketer's HTML ever runs, let alone in our origin.
"""

from __future__ import annotations

import asyncio
import zoneinfo
from dataclasses import dataclass
from datetime import datetime

import reflex as rx

from campaign_dashboard.config import get_settings
from campaign_dashboard.db import session_scope
from campaign_dashboard.models import CampaignStatus, Channel, Role
from campaign_dashboard.services import campaigns
from campaign_dashboard.services.audience import segments
from campaign_dashboard.services.campaigns import sample_send, sms_text, templates
from campaign_dashboard.services.campaigns.lifecycle import Action
from campaign_dashboard.services.errors import DomainError, ValidationFailed
from campaign_dashboard.services.pagination import MAX_LIMIT
from campaign_dashboard.services.sending import audience_snapshot
from campaign_dashboard.tasks.send_queue import queue_after_action, queue_scheduled_start
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.components import thousands
from campaign_dashboard.ui.guard import BAD_REQUEST, guarded

TIMEZONES = [
    "UTC",
    *sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))),
]
STARTER_HTML = (
    "<h1>Hi {{ first_name | default('there') }},</h1>\n"
    "<p>Write your message here.</p>\n"
    '<p><a href="https://example.com">Read more</a></p>'
)
DRAFT, NOW, SCHEDULE = "draft", "now", "schedule"
TEMPLATE, HTML = "template", "html"
CHANNELS = {c.value for c in Channel}
SAVE_LABELS = {DRAFT: "Save draft", NOW: "Save and send now", SCHEDULE: "Schedule"}


@dataclass
class Option:
    value: str = ""
    label: str = ""


@dataclass
class SmsCounter:
    """What `sms_text.analyze` says about the body, as the sample contact would get it."""

    encoding: str = "GSM-7"
    characters: int = 0
    segments: int = 0
    per_segment: int = 160
    remaining: int = 160
    non_gsm: str = ""


class CampaignFormState(AuthState):
    is_open: bool = False
    channel: str = Channel.EMAIL.value
    campaign_id: int = 0  # 0 while creating
    name: str = ""
    subject: str = ""
    from_email: str = ""
    reply_to: str = ""
    segment_id: str = ""
    source: str = HTML
    template_id: str = ""
    html: str = STARTER_HTML
    body: str = ""
    from_number: str = ""
    when: str = DRAFT
    schedule_date: str = ""
    schedule_time: str = "09:00"
    timezone: str = "UTC"
    test_to: str = ""
    errors: dict[str, str] = {}
    segment_options: list[Option] = []
    template_options: list[Option] = []
    audience: int = -1  # -1: no segment chosen
    preview_subject: str = ""
    preview_html: str = ""
    preview_error: str = ""
    counter: SmsCounter = SmsCounter()
    cost: str = ""
    default_sender: str = ""
    quiet_hours: str = ""
    working: str = ""  # "save" or "test" while that runs
    _scheduled_utc: str = ""  # the stored time of an edited campaign, shown once the browser's zone is known

    @rx.var
    def save_label(self) -> str:
        return SAVE_LABELS.get(self.when, "Save")

    @rx.var
    def title(self) -> str:
        noun = "email" if self.channel == Channel.EMAIL else "SMS"
        return f"Edit {noun} campaign" if self.campaign_id else f"New {noun} campaign"

    # --- opening -------------------------------------------------------------------------------

    @guarded(Role.MARKETER)
    async def open_create(self, channel: str):
        if channel not in CHANNELS:
            return rx.toast.error(BAD_REQUEST)
        self._reset(channel)
        self.from_email = get_settings().email_from
        await self._refresh(recount=True)
        self.is_open = True
        return self._ask_browser_timezone()

    @guarded(Role.MARKETER)
    async def open_edit(self, channel: str, campaign_id: int, schedule: bool = False):
        if channel not in CHANNELS:
            return rx.toast.error(BAD_REQUEST)
        self._reset(channel)
        try:
            with session_scope() as session:
                campaign = campaigns.get(session=session, channel=channel, campaign_id=campaign_id)
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.campaign_id, self.name = campaign.id, campaign.name
        self.segment_id = str(campaign.segment_id or "")
        if channel == Channel.EMAIL:
            self.subject, self.from_email = campaign.subject, campaign.from_email
            self.reply_to = campaign.reply_to or ""
            self.source = TEMPLATE if campaign.template_id else HTML
            self.template_id = str(campaign.template_id or "")
            self.html = campaign.html or STARTER_HTML
        else:
            self.body, self.from_number = campaign.body, campaign.from_number or ""
        if campaign.status == CampaignStatus.SCHEDULED or schedule:
            self.when = SCHEDULE
        self._scheduled_utc = campaign.scheduled_at.isoformat() if campaign.scheduled_at else ""
        await self._refresh(recount=True)
        self.is_open = True
        return self._ask_browser_timezone()

    def _reset(self, channel: str) -> None:
        settings = get_settings()
        self.channel = Channel(channel).value
        self.campaign_id = 0
        self.name = self.subject = self.from_email = self.reply_to = self.segment_id = ""
        self.source, self.template_id, self.html = HTML, "", STARTER_HTML
        self.body, self.from_number = "", ""
        self.when, self.schedule_date, self.schedule_time = DRAFT, "", "09:00"
        self.test_to, self.errors, self._scheduled_utc = "", {}, ""
        self.default_sender = settings.twilio_from or settings.twilio_messaging_service_sid or ""
        self.quiet_hours = (
            f"Quiet hours: texts go out only between {settings.quiet_hours_start:02d}:00 and "
            f"{settings.quiet_hours_end:02d}:00 in each contact's own time zone; the others wait until "
            "their morning."
            if settings.quiet_hours_enabled
            else ""
        )
        with session_scope() as session:
            found = segments.list_segments(session=session, limit=MAX_LIMIT).items
            self.segment_options = [Option(str(s.id), s.name) for s in sorted(found, key=lambda s: s.name.lower())]
            self.template_options = [
                Option(str(t.id), t.name) for t in templates.list_templates(session=session, limit=MAX_LIMIT).items
            ]

    def _ask_browser_timezone(self):
        return rx.call_script(
            "Intl.DateTimeFormat().resolvedOptions().timeZone", callback=CampaignFormState.set_browser_timezone
        )

    @guarded(Role.MARKETER)
    def set_browser_timezone(self, zone: str):
        """The schedule's zone defaults to the browser's; an edited campaign's time is shown in it."""
        if zone in TIMEZONES:
            self.timezone = zone
        if self._scheduled_utc:
            local = datetime.fromisoformat(self._scheduled_utc).astimezone(zoneinfo.ZoneInfo(self.timezone))
            self.schedule_date, self.schedule_time = local.strftime("%Y-%m-%d"), local.strftime("%H:%M")

    @guarded(Role.MARKETER)
    def set_open(self, is_open: bool):
        self.is_open = is_open

    # --- typing --------------------------------------------------------------------------------

    @guarded(Role.MARKETER)
    def set_when(self, value: str | list[str]):
        self.when = value if isinstance(value, str) and value in SAVE_LABELS else DRAFT
        self._clear("scheduled_at", "timezone")

    @guarded(Role.MARKETER)
    def set_field(self, name: str, value: str):
        """Plain fields; each edit clears that field's error message."""
        if name in (
            "name",
            "from_email",
            "reply_to",
            "from_number",
            "schedule_date",
            "schedule_time",
            "timezone",
            "test_to",
        ):
            setattr(self, name, value)
            self._clear(name, "scheduled_at" if name.startswith("schedule") else name)

    @guarded(Role.MARKETER)
    async def set_segment(self, value: str):
        self.segment_id = value
        self._clear("segment_id")
        await self._refresh(recount=True)

    @guarded(Role.MARKETER)
    async def set_subject(self, value: str):
        self.subject = value
        self._clear("subject")
        await self._refresh()

    @guarded(Role.MARKETER)
    async def set_source(self, value: str | list[str]):
        self.source = TEMPLATE if value == TEMPLATE else HTML
        self._clear("template_id", "html")
        await self._refresh()

    @guarded(Role.MARKETER)
    async def set_template(self, value: str):
        self.template_id = value
        self._clear("template_id")
        await self._refresh()

    @guarded(Role.MARKETER)
    async def set_html(self, value: str):
        self.html = value
        self._clear("html", "template_id")
        await self._refresh()

    @guarded(Role.MARKETER)
    async def set_body(self, value: str):
        self.body = value
        self._clear("body")
        await self._refresh()

    def _clear(self, *fields: str) -> None:
        if any(f in self.errors for f in fields):
            self.errors = {k: v for k, v in self.errors.items() if k not in fields}

    async def _refresh(self, *, recount: bool = False) -> None:
        """Recompute what the dialog shows live: the preview (email) or the SMS counter and cost,
        and with `recount` the segment's audience first (only when the segment changed).

        In a worker thread, so no render (nor count) ever stalls the event loop of the web process;
        this handler holds the state's lock meanwhile, so nothing else touches the state."""
        await asyncio.to_thread(self._refresh_now, recount)

    def _refresh_now(self, recount: bool) -> None:
        with session_scope() as session:
            if recount:
                self.audience = -1
                if self.segment_id:
                    try:
                        self.audience = audience_snapshot.count_audience(
                            session=session, channel=self.channel, segment_id=int(self.segment_id)
                        )
                    except DomainError:
                        self.segment_id = ""
            if self.channel == Channel.EMAIL:
                self._render_preview(session)
        if self.channel == Channel.SMS:
            self._count_sms()

    def _render_preview(self, session) -> None:
        use_template = self.source == TEMPLATE
        if use_template and not self.template_id:
            self.preview_subject, self.preview_html, self.preview_error = "", "", "Choose a template to preview it."
            return
        try:
            rendered = sample_send.sample_email(
                session=session,
                subject=self.subject,
                html=None if use_template else self.html,
                template_id=int(self.template_id) if use_template else None,
            )
        except DomainError as exc:
            self.preview_error = exc.message
            return
        self.preview_subject, self.preview_html, self.preview_error = rendered.subject, rendered.html, ""

    def _count_sms(self) -> None:
        info = campaigns.sms_preview(self.body)
        self.counter = SmsCounter(
            encoding="GSM-7" if info.encoding == sms_text.GSM7 else "UCS-2 (Unicode)",
            characters=info.units,
            segments=info.segments,
            per_segment=info.per_segment,
            remaining=info.remaining,
            non_gsm=" ".join(info.non_gsm),
        )
        if self.audience >= 0 and info.segments:
            cost = campaigns.sms_cost(info, audience=self.audience)  # SMS_PRICE_PER_SEGMENT, like the API
            currency = cost["currency"]
            self.cost = (
                f"≈ {cost['estimated_cost']:,.2f} {currency}: {info.segments} segment(s) × "
                f"{self.audience:,} recipients × {cost['price_per_segment']} {currency} per segment"
            )
        else:
            self.cost = ""

    # --- saving --------------------------------------------------------------------------------

    def _content(self) -> dict:
        data: dict = {"name": self.name, "segment_id": int(self.segment_id) if self.segment_id else None}
        if self.channel == Channel.EMAIL:
            data.update(subject=self.subject, from_email=self.from_email, reply_to=self.reply_to)
            if self.source == TEMPLATE:
                data.update(template_id=int(self.template_id) if self.template_id else None, html=None)
            else:
                data.update(template_id=None, html=self.html)
        else:
            data.update(body=self.body, from_number=self.from_number)
        return data

    def _schedule(self) -> dict:
        """`scheduled_at` and `timezone` when scheduling, checked before anything is written."""
        if self.when != SCHEDULE:
            return {}
        if not (self.schedule_date and self.schedule_time):
            raise ValidationFailed(
                "Pick the date and time to send at.",
                details=[{"field": "scheduled_at", "message": "pick a date and a time"}],
            )
        when = {"scheduled_at": f"{self.schedule_date}T{self.schedule_time}", "timezone": self.timezone}
        campaigns.resolve_schedule(when["scheduled_at"], when["timezone"])
        return when

    @guarded(Role.MARKETER)
    def begin(self, what: str):
        """Runs just before `save` or `send_test`, so their button shows it is working."""
        self.working = what

    @guarded(Role.MARKETER, writes=True)
    def save(self):
        try:
            return self._save()
        finally:
            self.working = ""

    def _save(self):
        self.errors = {}
        channel, data = self.channel, self._content()
        try:
            schedule = self._schedule()
            with session_scope() as session:
                if self.campaign_id:
                    campaign = campaigns.update(
                        session=session, channel=channel, campaign_id=self.campaign_id, changes={**data, **schedule}
                    )
                    action = self._status_change(campaign.status)
                else:
                    campaign = campaigns.create(session=session, channel=channel, data={**data, **schedule})
                    self.campaign_id = campaign.id  # if starting fails below, saving again edits this one
                    action = Action.START if self.when == NOW else None
                if action is not None:
                    campaign = campaigns.apply_action(
                        session=session, channel=channel, campaign_id=campaign.id, action=action
                    )
                    queue_after_action(channel, campaign, action)
                elif campaign.status == CampaignStatus.SCHEDULED:
                    queue_scheduled_start(channel, campaign)
                name, status = campaign.name, campaign.status
        except DomainError as exc:
            return self._show(exc)
        self.is_open = False
        from campaign_dashboard.ui.pages.campaigns import CampaignsState  # the list imports this module

        verb = {"sending": "is sending", "scheduled": "is scheduled", "draft": "is saved as a draft"}[status]
        return [rx.toast.success(f"“{name}” {verb}."), CampaignsState.reload]

    def _status_change(self, status: str) -> Action | None:
        """What the chosen "when" asks of an edited campaign in `status`."""
        if self.when == NOW:
            return Action.START
        if self.when == SCHEDULE and status == CampaignStatus.DRAFT:
            return Action.SCHEDULE
        if self.when == DRAFT and status == CampaignStatus.SCHEDULED:
            return Action.UNSCHEDULE
        return None

    @guarded(Role.MARKETER, writes=True)
    async def send_test(self):
        """One message to the test address; the provider call runs in a thread, so a slow
        provider never holds up the other users' events."""
        try:
            self._clear("test_to")
            to = self.test_to.strip()
            try:
                await asyncio.to_thread(_send_test_message, self.channel, to, self._content())
            except DomainError as exc:
                return self._show(exc)
            return rx.toast.success(f"Test sent to {to}.")
        finally:
            self.working = ""

    def _show(self, exc: DomainError):
        """The service's message as a toast, and next to each field it names."""
        fields = {d["field"]: _sentence(d["message"]) for d in exc.details if d.get("field")}
        self.errors = {**self.errors, **fields}
        return rx.toast.error(exc.message)


def _send_test_message(channel: str, to: str, values: dict) -> None:
    from campaign_dashboard.providers import email_provider, sms_provider

    settings = get_settings()
    with session_scope() as session:
        if channel == Channel.EMAIL:
            sample_send.send_test_email(
                session=session,
                provider=email_provider(settings),
                to=to,
                values=values,
                default_from=settings.email_from,
            )
        else:
            sample_send.send_test_sms(
                session=session,
                provider=sms_provider(settings),
                to=to,
                values=values,
                default_from=settings.twilio_from,
                messaging_service_sid=settings.twilio_messaging_service_sid,
            )


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] if message else message


# --- components ------------------------------------------------------------------------------------

S = CampaignFormState


def field_error(name: str) -> rx.Component:
    """The service's message for field `name`, if any."""
    return rx.cond(
        S.errors.contains(name),
        rx.text(S.errors[name], size="1", color_scheme="red", id=f"error-{name}", class_name="field-error"),
    )


def labelled(label: str, control: rx.Component, name: str, *notes: rx.Component) -> rx.Component:
    """A field: its label, the control, the service's message for it (if any), then notes."""
    return rx.vstack(
        rx.text(label, as_="label", size="2", weight="medium", html_for=f"campaign-{name}"),
        control,
        field_error(name),
        *notes,
        spacing="1",
        width="100%",
    )


def text_input(name: str, value: rx.Var, **props) -> rx.Component:
    return rx.input(value=value, on_change=lambda v: S.set_field(name, v), id=f"campaign-{name}", width="100%", **props)


def select(name: str, options: rx.Var, value: rx.Var, on_change, placeholder: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(placeholder=placeholder, id=f"campaign-{name}", width="100%"),
        rx.select.content(rx.foreach(options, lambda o: rx.select.item(o.label, value=o.value))),
        value=value,
        on_change=on_change,
    )


def segment_field() -> rx.Component:
    return labelled(
        "Segment",
        select("segment_id", S.segment_options, S.segment_id, S.set_segment, "Choose who gets it"),
        "segment_id",
        rx.cond(
            S.audience >= 0,
            rx.text(
                rx.text.strong(thousands(S.audience)),
                " recipients right now (subscribed and not suppressed)",
                size="1",
                color_scheme="gray",
                id="campaign-audience",
            ),
            rx.cond(
                S.segment_options.length() == 0,
                rx.text("No segments yet: create one on the Segments page first.", size="1", color_scheme="gray"),
            ),
        ),
    )


def schedule_fields() -> rx.Component:
    return rx.vstack(
        labelled(
            "When",
            rx.segmented_control.root(
                rx.segmented_control.item("Save as draft", value=DRAFT),
                rx.segmented_control.item("Send now", value=NOW),
                rx.segmented_control.item("Schedule", value=SCHEDULE),
                value=S.when,
                on_change=S.set_when,
                id="campaign-when",
            ),
            "when",
        ),
        rx.cond(
            S.when == SCHEDULE,
            rx.vstack(
                rx.flex(
                    rx.input(
                        type="date",
                        value=S.schedule_date,
                        on_change=lambda v: S.set_field("schedule_date", v),
                        id="campaign-scheduled_at",
                        aria_label="Date",
                    ),
                    rx.input(
                        type="time",
                        value=S.schedule_time,
                        on_change=lambda v: S.set_field("schedule_time", v),
                        id="campaign-time",
                        aria_label="Time",
                    ),
                    rx.select.root(
                        rx.select.trigger(id="campaign-timezone", aria_label="Time zone"),
                        rx.select.content(*[rx.select.item(z, value=z) for z in TIMEZONES]),
                        value=S.timezone,
                        on_change=lambda v: S.set_field("timezone", v),
                    ),
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
    return labelled(
        label,
        rx.hstack(
            rx.input(
                value=S.test_to,
                on_change=lambda v: S.set_field("test_to", v),
                placeholder=placeholder,
                id="campaign-test_to",
                flex="1",
            ),
            rx.button(
                rx.icon("send", size=14),
                "Send test",
                variant="soft",
                loading=S.working == "test",
                on_click=[S.begin("test"), S.send_test],
                id="send-test",
            ),
            width="100%",
        ),
        "test_to",
        rx.text("One message rendered for the sample contact; nothing is recorded.", size="1", color_scheme="gray"),
    )


def email_fields() -> rx.Component:
    return rx.vstack(
        labelled("Name", text_input("name", S.name, placeholder="Spring sale"), "name"),
        labelled(
            "Subject",
            rx.input(
                value=S.subject,
                on_change=S.set_subject,
                id="campaign-subject",
                width="100%",
                placeholder="{{ first_name }}, spring is here",
            ),
            "subject",
        ),
        rx.flex(
            labelled("From", text_input("from_email", S.from_email), "from_email"),
            labelled("Reply-to", text_input("reply_to", S.reply_to, placeholder="optional"), "reply_to"),
            spacing="3",
            width="100%",
            direction=rx.breakpoints(initial="column", sm="row"),
        ),
        segment_field(),
        labelled(
            "Content",
            rx.segmented_control.root(
                rx.segmented_control.item("Template", value=TEMPLATE),
                rx.segmented_control.item("Custom HTML", value=HTML),
                value=S.source,
                on_change=S.set_source,
                id="campaign-source",
            ),
            "template_id",
        ),
        rx.cond(
            S.source == TEMPLATE,
            select("template_id", S.template_options, S.template_id, S.set_template, "Choose a template"),
            labelled(
                "HTML",
                rx.text_area(
                    value=S.html,
                    on_change=S.set_html,
                    id="campaign-html",
                    rows="12",
                    font_family="monospace",
                    width="100%",
                ),
                "html",
            ),
        ),
        schedule_fields(),
        spacing="3",
        width="100%",
    )


def email_preview() -> rx.Component:
    return rx.vstack(
        rx.text("Preview for the sample contact Jane Doe", size="2", weight="medium"),
        rx.card(
            rx.vstack(
                rx.text(rx.text.strong("Subject: "), S.preview_subject, size="2", id="preview-subject"),
                rx.el.iframe(
                    src_doc=S.preview_html,
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
        rx.cond(
            S.preview_error != "",
            rx.callout(
                S.preview_error,
                icon="triangle-alert",
                color_scheme="orange",
                size="1",
                id="preview-error",
                width="100%",
            ),
        ),
        test_send_box("Send a test", "you@example.com"),
        spacing="3",
        width="100%",
    )


def sms_fields() -> rx.Component:
    counter = S.counter
    return rx.vstack(
        labelled("Name", text_input("name", S.name, placeholder="Flash sale"), "name"),
        segment_field(),
        labelled(
            "Sender",
            text_input("from_number", S.from_number, placeholder="Default: " + S.default_sender),
            "from_number",
            rx.text(
                "An E.164 number, a Messaging Service SID (MG…) or an alphanumeric sender id.",
                size="1",
                color_scheme="gray",
            ),
        ),
        labelled(
            "Message",
            rx.text_area(
                value=S.body,
                on_change=S.set_body,
                id="campaign-body",
                rows="5",
                width="100%",
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
            rx.text("Counted as the sample contact would get it.", size="1", color_scheme="gray"),
        ),
        rx.cond(S.cost != "", rx.text("Estimated cost ", S.cost, size="2", id="sms-cost")),
        rx.cond(
            S.quiet_hours != "",
            rx.callout(S.quiet_hours, icon="moon", size="1", color_scheme="blue", id="quiet-hours", width="100%"),
        ),
        schedule_fields(),
        test_send_box("Send a test", "+14155550123"),
        spacing="3",
        width="100%",
    )


def dialog(fields: rx.Component, preview: rx.Component | None, dialog_id: str) -> rx.Component:
    body = (
        rx.grid(fields, preview, columns=rx.breakpoints(initial="1", md="2"), spacing="5", width="100%")
        if preview is not None
        else fields
    )
    return rx.dialog.root(
        rx.dialog.content(
            rx.dialog.title(S.title),
            rx.dialog.description(
                "Saving checks every field; messages appear next to the ones to fix.",
                size="2",
                color_scheme="gray",
                margin_bottom="1em",
            ),
            body,
            rx.flex(
                rx.dialog.close(rx.button("Close", variant="soft", color_scheme="gray", id="campaign-close")),
                rx.button(
                    S.save_label, loading=S.working == "save", on_click=[S.begin("save"), S.save], id="campaign-save"
                ),
                spacing="3",
                justify="end",
                padding_top="1.5em",
            ),
            max_width="72em" if preview is not None else "40em",
            width="96vw",
            id=dialog_id,
        ),
        open=S.is_open,
        on_open_change=S.set_open,
    )


def CreateEmailCampaignDialog() -> rx.Component:  # noqa: N802 - the product spec's component name
    return dialog(email_fields(), email_preview(), "campaign-form")


def CreateSmsCampaignDialog() -> rx.Component:  # noqa: N802 - named like its email twin
    return dialog(sms_fields(), None, "campaign-form")
