"""The state of the campaign dialog: one state for both channels and both uses (create, and edit of
a draft or scheduled campaign).

It only gathers what the user typed and asks the services: they validate (their field errors are
shown next to the fields), render the preview, count the audience and SMS segments, send a test,
and `campaigns.commands` decides what saving with "send now" or "schedule" does to the campaign.
"Send now" and "schedule" ask first (`confirm.SendCheck`): what goes to whom, and what would break.

The class stays over 200 lines as one idea, the dialog's fields: 30 of its lines declare them and
most of the rest is one small guarded handler per control. What it computes lives beside it
(`live`: preview, audience, SMS counter; `choices`: the pickers; `sample`: the test send).
"""

from __future__ import annotations

import asyncio
import zoneinfo
from datetime import datetime

import reflex as rx

from campaign_dashboard.config import get_settings
from campaign_dashboard.db import session_scope
from campaign_dashboard.models import CampaignStatus, Channel, Role, id_of
from campaign_dashboard.services import campaigns
from campaign_dashboard.services.campaigns import ab_tests, commands
from campaign_dashboard.services.errors import DomainError, ValidationFailed
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.campaign_form import ab_fields, live
from campaign_dashboard.ui.campaign_form.choices import (
    CHANNELS,
    DRAFT,
    HTML,
    NO_TOPIC,
    PLAIN_FIELDS,
    SAVE_LABELS,
    SCHEDULE,
    STARTER_HTML,
    TEMPLATE,
    TIMEZONES,
    Option,
    frequency_cap_note,
    quiet_hours_note,
    segment_and_template_options,
    topic_options,
)
from campaign_dashboard.ui.campaign_form.live import SmsCounter
from campaign_dashboard.ui.campaign_form.sample import send_test_message
from campaign_dashboard.ui.confirm import SendCheck, check_unsaved
from campaign_dashboard.ui.guard import BAD_REQUEST, guarded
from campaign_dashboard.wiring import campaign_queue

# The fields the dialog shows a message under (`view.field_error`); "" is the line above the buttons.
FORM_FIELDS = (
    frozenset(("name", "segment_id", "subject", "from_email", "reply_to", "template_id", "html", "body", "from_number"))
    | frozenset(
        (
            "topic_id",
            "ignore_frequency_cap",
            "local_send_time",
            "local_time_zone",
            "scheduled_at",
            "timezone",
            "test_to",
        )
    )
    | ab_fields.FIELDS
)
SAVED = {"sending": "is sending", "scheduled": "is scheduled", "draft": "is saved as a draft"}


class CampaignFormState(AuthState):
    is_open: bool = False
    channel: str = Channel.EMAIL.value
    campaign_id: int = 0  # 0 while creating
    name: str = ""
    subject: str = ""
    from_email: str = ""
    reply_to: str = ""
    segment_id: str = ""
    topic_id: str = NO_TOPIC  # a topic's id, or NO_TOPIC
    topic_options: list[Option] = []
    ignore_frequency_cap: bool = False
    frequency_cap: str = ""  # the workspace's cap in words ("" when it has none)
    local_time: bool = False  # send at `local_send_time` in each contact's time zone
    local_send_time: str = "09:00"
    local_time_zone: str = "UTC"  # for contacts without one; the browser's zone by default
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
    send: SendCheck = SendCheck()  # "send now" or "schedule" being confirmed ("" question: none)
    # Who the preview is rendered for: a real contact of the audience, or ("" label) the sample one.
    preview_contact_id: int = 0
    preview_label: str = ""
    preview_where: str = ""  # "3 of 2,838"
    preview_search: str = ""
    preview_note: str = ""  # why the last step found nobody
    sms_message: str = ""  # the SMS as the previewed contact gets it
    # The A/B test (`ab_fields`): variant A is the subject or text above; these are B, C, D.
    ab_on: bool = False
    ab_extra: list[str] = [""]
    ab_share: str = "20"
    ab_metric: str = ""
    ab_wait: str = "4"  # hours
    ab_metrics: list[ab_fields.MetricOption] = []
    _preview_values: dict = {}
    _local_zone: str = ""  # an edited campaign's zone for contacts without one
    _scheduled_utc: str = ""  # the stored time of an edited campaign, shown once the browser's zone is known

    @rx.var
    def save_label(self) -> str:
        return SAVE_LABELS.get(self.when, "Save")

    @rx.var
    def ab_rows(self) -> list[ab_fields.VariantRow]:
        return ab_fields.rows(self.ab_extra)

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
        self.campaign_id, self.name = id_of(campaign), campaign.name
        self.segment_id = str(campaign.segment_id or "")
        self.topic_id = str(campaign.topic_id) if campaign.topic_id else NO_TOPIC
        self.ignore_frequency_cap = campaign.ignore_frequency_cap
        self.local_time = bool(campaign.local_send_time)
        self.local_send_time = campaign.local_send_time or "09:00"
        self._local_zone = campaign.local_time_zone or ""
        if channel == Channel.EMAIL:
            self.subject, self.from_email = campaign.subject, campaign.from_email
            self.reply_to = campaign.reply_to or ""
            self.source = TEMPLATE if campaign.template_id else HTML
            self.template_id = str(campaign.template_id or "")
            self.html = campaign.html or STARTER_HTML
        else:
            self.body, self.from_number = campaign.body, campaign.from_number or ""
        self._load_ab_test(channel, campaign_id)
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
        self._preview_as(None)
        self.default_sender = settings.twilio_from or settings.twilio_messaging_service_sid or ""
        self.quiet_hours = quiet_hours_note(settings)
        self.ignore_frequency_cap, self.frequency_cap = False, frequency_cap_note(settings)
        self.local_time, self.local_send_time, self._local_zone = False, "09:00", ""
        self.segment_options, self.template_options = segment_and_template_options()
        self.topic_id, self.topic_options = NO_TOPIC, topic_options()
        self.ab_on, self.ab_extra, self.ab_share, self.ab_wait = False, [""], "20", "4"
        self.ab_metrics = ab_fields.metric_options(channel)
        self.ab_metric = self.ab_metrics[0].value

    def _load_ab_test(self, channel: str, campaign_id: int) -> None:
        with session_scope() as session:
            test = ab_tests.get_test(session=session, channel=channel, campaign_id=campaign_id)
            if test is not None:
                self.ab_extra, self.ab_share, self.ab_metric, self.ab_wait = ab_fields.loaded(test)
                self.ab_on = True

    def _ask_browser_timezone(self):
        return rx.call_script(
            "Intl.DateTimeFormat().resolvedOptions().timeZone", callback=CampaignFormState.set_browser_timezone
        )

    @guarded(Role.MARKETER)
    def set_browser_timezone(self, zone: str):
        """The schedule's zone defaults to the browser's; an edited campaign's time is shown in it."""
        if zone in TIMEZONES:
            self.timezone = zone
        self.local_time_zone = self._local_zone or self.timezone  # an edited campaign keeps its own
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
        if name in PLAIN_FIELDS:
            setattr(self, name, value)
            self._clear(name, "scheduled_at" if name.startswith("schedule") else name)

    @guarded(Role.MARKETER)
    def set_local_time(self, value: bool):
        self.local_time = value is True
        self._clear("local_send_time", "local_time_zone")

    @guarded(Role.MARKETER)
    async def set_topic(self, value: str):
        """The campaign's topic (NO_TOPIC: none); the audience is counted again without its leavers."""
        if value != NO_TOPIC and not (value.isascii() and value.isdigit() and len(value) <= 10):
            return rx.toast.error(BAD_REQUEST)
        await self._edit("topic_id", value, ("topic_id",), recount=True)

    @guarded(Role.MARKETER)
    def set_ignore_frequency_cap(self, value: bool):
        self.ignore_frequency_cap = value is True
        self._clear("ignore_frequency_cap")

    # --- the A/B test ------------------------------------------------------------------------------

    @guarded(Role.MARKETER)
    def set_ab_on(self, value: bool):
        self.ab_on = value is True
        self._clear(*ab_fields.FIELDS)

    @guarded(Role.MARKETER)
    def set_ab_variant(self, index: int, value: str):
        if not isinstance(index, int) or not 0 <= index < len(self.ab_extra) or not isinstance(value, str):
            return rx.toast.error(BAD_REQUEST)
        self.ab_extra = [value if i == index else text for i, text in enumerate(self.ab_extra)]
        self._clear(f"ab_variant_{index + 1}", "ab_variants")

    @guarded(Role.MARKETER)
    def add_ab_variant(self):
        if len(self.ab_extra) < ab_fields.EXTRA_VARIANTS:
            self.ab_extra = [*self.ab_extra, ""]
            self._clear("ab_variants")

    @guarded(Role.MARKETER)
    def remove_ab_variant(self, index: int):
        if not isinstance(index, int) or not 0 <= index < len(self.ab_extra) or len(self.ab_extra) == 1:
            return rx.toast.error(BAD_REQUEST)
        self.ab_extra = [text for i, text in enumerate(self.ab_extra) if i != index]
        self._clear(*ab_fields.FIELDS)

    @guarded(Role.MARKETER)
    def set_ab_setting(self, name: str, value: str):
        """The share (typed), the metric and the wait (picked)."""
        fields = {"ab_share": "test_share", "ab_metric": "metric", "ab_wait": "wait_minutes"}
        if name not in fields or not isinstance(value, str):
            return rx.toast.error(BAD_REQUEST)
        setattr(self, name, value)
        self._clear(fields[name])

    @guarded(Role.MARKETER)
    async def set_segment(self, value: str):
        self._preview_as(None)  # the contact may not be in the new audience
        await self._edit("segment_id", value, ("segment_id",), recount=True)

    # --- previewing as a real contact ------------------------------------------------------------

    @guarded(Role.MARKETER)
    def set_preview_search(self, value: str):
        self.preview_search = value

    @guarded(Role.MARKETER)
    async def preview_step(self, direction: str):
        """The next or previous contact of the audience, or (`find`) the first matching the search."""
        if direction not in ("next", "previous", "find", "sample"):
            return rx.toast.error(BAD_REQUEST)
        if direction == "sample":
            self._preview_as(None)
        elif not self.segment_id:
            self.preview_note = "Choose a segment first: the preview shows one of its contacts."
            return None
        else:
            current = self.preview_contact_id or None
            found = await asyncio.to_thread(
                live.preview_contact,
                self.channel,
                int(self.segment_id),
                after=current if direction == "next" else None,
                before=current if direction == "previous" and current else None,
                search=self.preview_search if direction == "find" else "",
            )
            if found is None:
                self.preview_note = live.nobody_found(direction, self.preview_search)
                return None
            self._preview_as(found)
        await self._refresh()

    def _preview_as(self, found: live.PreviewContact | None) -> None:
        self.preview_note = ""
        if found is None:
            self.preview_contact_id, self.preview_label, self.preview_where, self._preview_values = 0, "", "", {}
            return
        self.preview_contact_id, self.preview_label = found.contact_id, found.label
        self.preview_where = f"{found.position:,} of {found.total:,}"
        self._preview_values = found.values

    @guarded(Role.MARKETER)
    async def set_subject(self, value: str):
        await self._edit("subject", value, ("subject",))

    @guarded(Role.MARKETER)
    async def set_source(self, value: str | list[str]):
        await self._edit("source", TEMPLATE if value == TEMPLATE else HTML, ("template_id", "html"))

    @guarded(Role.MARKETER)
    async def set_template(self, value: str):
        await self._edit("template_id", value, ("template_id",))

    @guarded(Role.MARKETER)
    async def set_html(self, value: str):
        await self._edit("html", value, ("html", "template_id"))

    @guarded(Role.MARKETER)
    async def set_body(self, value: str):
        await self._edit("body", value, ("body",))

    async def _edit(self, name: str, value: str, clears: tuple[str, ...], *, recount: bool = False) -> None:
        """A field that changes what the dialog shows live: set it, drop the messages it answers
        (`clears`), then recompute the preview, the counter and (with `recount`) the audience."""
        setattr(self, name, value)
        self._clear(*clears)
        await self._refresh(recount=recount)

    def _clear(self, *fields: str) -> None:
        """Drop the messages of `fields`; with the last field message, the summary line goes too."""
        if any(f in self.errors for f in fields):
            left = {k: v for k, v in self.errors.items() if k not in fields}
            self.errors = left if set(left) - {""} else {}

    async def _refresh(self, *, recount: bool = False) -> None:
        """Recompute what the dialog shows live (see `live`), with `recount` the segment's audience
        first (only when the segment changed).

        In a worker thread, so no render (nor count) ever stalls the event loop of the web process;
        this handler holds the state's lock meanwhile, so nothing else touches the state."""
        await asyncio.to_thread(self._refresh_now, recount)

    def _refresh_now(self, recount: bool) -> None:
        with session_scope() as session:
            if recount:
                audience = live.audience(session, self.channel, self.segment_id, self.topic_id)
                self.audience = -1 if audience is None else audience
                if audience is None:  # the segment is gone
                    self.segment_id = ""
            if self.channel == Channel.EMAIL:
                use_template = self.source == TEMPLATE
                subject, html, self.preview_error = live.email_preview(
                    session,
                    subject=self.subject,
                    html=None if use_template else self.html,
                    template_id=self.template_id if use_template else None,
                    contact=self._preview_values or None,
                )
                if subject is not None and html is not None:  # on an error the last good preview stays
                    self.preview_subject, self.preview_html = subject, html
        if self.channel == Channel.SMS:
            contact = self._preview_values or None
            self.counter, self.cost = live.sms_counter(self.body, self.audience, contact)
            self.sms_message, self.preview_error = live.sms_message(self.body, contact)

    # --- saving --------------------------------------------------------------------------------

    def _content(self) -> dict:
        data: dict = {
            "name": self.name,
            "segment_id": int(self.segment_id) if self.segment_id else None,
            "topic_id": int(self.topic_id) if self.topic_id.isdigit() else None,
            "ignore_frequency_cap": self.ignore_frequency_cap,
            "local_send_time": self.local_send_time if self.local_time else None,
            "local_time_zone": self.local_time_zone if self.local_time else None,
        }
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
        """Save the content, then start, schedule or unschedule as "when" says (`commands`); send
        now and schedule ask first (`ask_send`). The list behind the dialog re-reads itself next:
        the view chains its reload after this."""
        try:
            if self.when != DRAFT:
                return CampaignFormState.ask_send
            return self._save()
        finally:
            self.working = ""

    @guarded(Role.MARKETER)
    async def ask_send(self):
        """What sending now or at the chosen time will do, checked as saving checks it and
        rendered for the audience's contacts (in a worker thread)."""
        self.errors = {}
        try:
            when = self._when_words()
            ab = self._ab_settings()
            check = await asyncio.to_thread(check_unsaved, self.channel, self._content(), when=when, ab=ab)
        except DomainError as exc:
            return self._show(exc)
        self.send = check

    @guarded(Role.MARKETER, writes=True)
    def confirm_send(self, skip: bool = False):
        """The confirmation's button: save and send (or schedule); the preflight runs again there.
        `skip`: its "send anyway, skipping N" (without the contacts that lack a variable)."""
        allowed = self.send.skip != "" if skip is True else self.send.can_send
        self.send = SendCheck()
        try:
            if allowed and self.when != DRAFT:
                return self._save(skip_missing=skip is True)
        finally:
            self.working = ""

    @guarded(Role.MARKETER)
    def close_send(self):
        self.send = SendCheck()

    def _when_words(self) -> str:
        """The chosen schedule as the confirmation says it ("" for now); checks it first."""
        if self.when != SCHEDULE:
            return ""
        self._schedule()
        local = datetime.fromisoformat(f"{self.schedule_date}T{self.schedule_time}")
        return f"{local:%b} {local.day}, {local.year}, {local:%H:%M} ({self.timezone})"

    def _save(self, *, skip_missing: bool = False):
        self.errors = {}
        channel, data = self.channel, self._content()
        try:
            content = {**data, **self._schedule()}
            ab = self._ab_settings()
            with session_scope() as session:
                if self.campaign_id:
                    campaign = commands.update(
                        session=session,
                        channel=channel,
                        campaign_id=self.campaign_id,
                        changes=content,
                        queue=campaign_queue,
                    )
                else:
                    campaign = commands.create(session=session, channel=channel, data=content, queue=campaign_queue)
                    self.campaign_id = id_of(campaign)  # if starting fails below, saving again edits this one
                if ab is not None:  # checked above: the campaign's content was the only open question
                    ab_tests.set_test(session=session, channel=channel, campaign_id=self.campaign_id, data=ab)
                elif campaign.status in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
                    ab_tests.remove_test(session=session, channel=channel, campaign_id=self.campaign_id)
                campaign = commands.carry_out(
                    session=session,
                    channel=channel,
                    campaign=campaign,
                    when=self.when,
                    queue=campaign_queue,
                    skip_missing=skip_missing,
                )
                name, status = campaign.name, campaign.status
        except DomainError as exc:
            return self._show(exc)
        self.is_open = False
        return rx.toast.success(f"“{name}” {SAVED[status]}.")

    def _ab_settings(self) -> dict | None:
        """The A/B test's settings when it is on, checked first (ValidationFailed naming the
        dialog's fields), so nothing is saved when they are wrong."""
        if not self.ab_on:
            return None
        first = self.subject if self.channel == Channel.EMAIL else self.body
        ab = ab_fields.settings(self.channel, first, self.ab_extra, self.ab_share, self.ab_metric, self.ab_wait)
        try:
            return ab_tests.checked(Channel(self.channel), ab)
        except ValidationFailed as exc:
            raise ab_fields.for_the_form(exc) from None

    @guarded(Role.MARKETER, writes=True)
    async def send_test(self):
        """One message to the test address; the provider call runs in a thread, so a slow
        provider never holds up the other users' events."""
        try:
            self._clear("test_to")
            to = self.test_to.strip()
            try:
                await asyncio.to_thread(send_test_message, self.channel, to, self._content())
            except DomainError as exc:
                return self._show(exc)
            return rx.toast.success(f"Test sent to {to}.")
        finally:
            self.working = ""

    def _show(self, exc: DomainError):
        """Each problem next to the field it names, in the dialog (a toast would cover its
        buttons); above the buttons, how many fields to fix, or what names no field."""
        fields = {d["field"]: _sentence(d["message"]) for d in exc.details if d.get("field") in FORM_FIELDS}
        elsewhere = [d for d in exc.details if d.get("field") not in FORM_FIELDS]
        if elsewhere or not fields:
            summary = exc.message if not fields else " ".join(_sentence(d["message"]) + "." for d in elsewhere)
        else:
            summary = (
                "Fix the field marked above." if len(fields) == 1 else f"Fix the {len(fields)} fields marked above."
            )
        self.errors = {**self.errors, **fields, "": summary}


def _sentence(message: str) -> str:
    return message[:1].upper() + message[1:] if message else message
