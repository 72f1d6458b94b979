"""What a campaign may contain: the fields each channel accepts, their normalisation and checks,
and the schedule time. Records and actions call these before anything is written; `checked_content`
lets a test send check a campaign that is not saved yet.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parseaddr
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from sqlmodel import Session

from campaign_dashboard.models import Channel, EmailTemplate, Segment, utcnow
from campaign_dashboard.services.audience.suppressions import normalize_email, normalize_phone
from campaign_dashboard.services.audience.topics import check_topic_id
from campaign_dashboard.services.campaigns import rendering, send_time
from campaign_dashboard.services.errors import Problems, ValidationFailed
from campaign_dashboard.services.limits import (
    MAX_HTML_CHARS,
    MAX_TEXT_CHARS,
    check_id,
    check_length,
    check_single_line,
)

# How a campaign goes out, whatever its channel: past the frequency cap, at a local time.
DELIVERY_FIELDS = ("ignore_frequency_cap", "local_send_time", "local_time_zone")
COMMON_FIELDS = ("name", "segment_id", "topic_id", *DELIVERY_FIELDS, "scheduled_at", "timezone")
CONTENT_FIELDS = {
    Channel.EMAIL: ("subject", "from_email", "reply_to", "template_id", "html", "text"),
    Channel.SMS: ("body", "from_number"),
}
SCHEDULE_FIELDS = ("scheduled_at", "timezone")
LOCAL_TIME = ("local_send_time", "local_time_zone")
# Optional fields an empty answer leaves unset.
BLANK_IS_NONE = ("reply_to", "from_number", "html", "text", "template_id", "topic_id", *LOCAL_TIME)
MAX_SMS_BODY = 1600  # Twilio's limit for one message (10 segments of 160)


def resolve_schedule(value: datetime | str, timezone: str | None = None) -> datetime:
    """A future UTC time from an ISO string or datetime with an offset, or a naive one plus an
    IANA `timezone` name (e.g. "Europe/Paris")."""
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.strip())
        except ValueError:
            raise ValidationFailed(
                f"scheduled_at {value!r} is not an ISO 8601 date and time.",
                details=[{"field": "scheduled_at", "message": "not an ISO 8601 datetime"}],
            ) from None
    if value.tzinfo is None or value.utcoffset() is None:
        if not timezone:
            raise ValidationFailed(
                "scheduled_at needs a UTC offset (e.g. 2030-01-31T09:00:00+01:00) or a timezone.",
                details=[{"field": "scheduled_at", "message": "needs an offset or a timezone"}],
            )
        try:
            value = value.replace(tzinfo=ZoneInfo(timezone))
        except (ZoneInfoNotFoundError, ValueError):
            raise ValidationFailed(
                f"Unknown timezone {timezone!r}; use an IANA name such as Europe/Paris.",
                details=[{"field": "timezone", "message": "unknown timezone"}],
            ) from None
    try:
        value = value.astimezone(UTC)
    except (OverflowError, ValueError):  # 9999-12-31T23:59-14:00, 0001-01-01T00:00 in Asia/Tokyo
        raise ValidationFailed(
            "scheduled_at is outside the range of dates that can be stored.",
            details=[{"field": "scheduled_at", "message": "out of range"}],
        ) from None
    if value <= utcnow():
        raise ValidationFailed(
            "scheduled_at must be in the future.",
            details=[{"field": "scheduled_at", "message": "must be in the future"}],
        )
    return value


def checked_content(*, session: Session, channel: str, values: Mapping[str, Any]) -> dict[str, Any]:
    """The channel's content fields of `values` (name, segment and schedule aside), normalised and
    validated exactly as `create` does: what a test send renders before the campaign is saved."""
    channel = Channel(channel)
    content = normalise(session, channel, {f: values.get(f) for f in CONTENT_FIELDS[channel]})
    problems = Problems()
    if channel is Channel.EMAIL:
        _validate_email(session, content, problems)
    else:
        _validate_sms(content, problems)
    problems.raise_any()
    return content


def content_fields(channel: Channel) -> tuple[str, ...]:
    return ("name", "segment_id", "topic_id", *DELIVERY_FIELDS, *CONTENT_FIELDS[channel])


def check_fields(channel: Channel, data: Mapping[str, Any]) -> dict[str, Any]:
    allowed = set(COMMON_FIELDS) | set(CONTENT_FIELDS[channel])
    unknown = sorted(set(data) - allowed)
    if unknown:
        raise ValidationFailed(
            f"Unknown field(s) for an {channel.value} campaign: {', '.join(unknown)}.",
            details=[{"field": f, "message": "unknown field"} for f in unknown],
        )
    return dict(data)


def normalise(session: Session, channel: Channel, values: dict[str, Any]) -> dict[str, Any]:
    for key, value in list(values.items()):
        if isinstance(value, str) and key not in ("html", "text", "body"):
            values[key] = value.strip()
        if key in ("reply_to", "from_number", "html", "text", "template_id", "topic_id", *LOCAL_TIME) and values[
            key
        ] in ("", None):
            values[key] = None
    if values.get("local_send_time") and not values.get("local_time_zone"):
        values["local_time_zone"] = "UTC"  # contacts without a zone get it at that time in UTC
    if "ignore_frequency_cap" in values and values["ignore_frequency_cap"] is None:
        values["ignore_frequency_cap"] = False  # not said: the cap applies
    if channel is Channel.EMAIL and values.get("template_id") and not values.get("subject"):
        template = session.get(EmailTemplate, values["template_id"])
        if template is not None:
            values["subject"] = template.subject
    return values


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {message}", details=[{"field": field, "message": message}])


def validate(session: Session, channel: Channel, values: Mapping[str, Any]) -> None:
    """Every field's problem at once (one ValidationFailed naming each field), not the first only."""
    problems = Problems()
    with problems.check():
        _validate_name(values.get("name") or "")
    with problems.check():
        _validate_segment(session, values.get("segment_id"))
    with problems.check():
        check_topic_id(session=session, value=values.get("topic_id"))
    with problems.check():
        if not isinstance(values.get("ignore_frequency_cap", False), bool):
            raise _fail("ignore_frequency_cap", "true or false")
    for field, check in (("local_send_time", send_time.parse_send_time), ("local_time_zone", send_time.check_zone)):
        with problems.check():
            value = values.get(field)
            if value is not None:
                if not isinstance(value, str):
                    raise _fail(field, "a string")
                check(value)
    if channel is Channel.EMAIL:
        _validate_email(session, values, problems)
    else:
        _validate_sms(values, problems)
    problems.raise_any()


def _validate_name(name: str) -> None:
    if not name:
        raise _fail("name", "a campaign needs a name")
    if len(name) > 200:
        raise _fail("name", "at most 200 characters")
    check_single_line("name", name)


def _validate_segment(session: Session, segment_id: Any) -> None:
    if segment_id is None:
        raise _fail("segment_id", "choose a segment to send to")
    check_id("segment_id", segment_id)
    if session.get(Segment, segment_id) is None:
        raise _fail("segment_id", f"segment {segment_id} does not exist")


def _validate_email(session: Session, values: Mapping[str, Any], problems: Problems) -> None:
    with problems.check():
        subject = values.get("subject") or ""
        if not subject:
            raise _fail("subject", "an email needs a subject")
        if len(subject) > 500:
            raise _fail("subject", "at most 500 characters")
        check_single_line("subject", subject)  # a header: CR/LF would start another one
        rendering.validate_template(subject, field="subject")
    with problems.check():
        from_email = values.get("from_email") or ""
        if not from_email:
            raise _fail("from_email", "an email needs a sender address")
        _check_address("from_email", from_email)
    with problems.check():
        if values.get("reply_to"):
            _check_address("reply_to", values["reply_to"])
    with problems.check():
        _validate_body(session, values.get("template_id"), values.get("html"))
    with problems.check():
        check_length("text", values.get("text"), MAX_TEXT_CHARS)
        rendering.validate_template(values.get("text"), field="text")


def _validate_body(session: Session, template_id: Any, html: str | None) -> None:
    if bool(template_id) == bool(html):
        raise ValidationFailed(
            "Give exactly one of template_id or html.",
            details=[{"field": "template_id", "message": "give exactly one of template_id or html"}],
        )
    if template_id:
        check_id("template_id", template_id)
    check_length("html", html, MAX_HTML_CHARS)
    if template_id and session.get(EmailTemplate, template_id) is None:
        raise _fail("template_id", f"template {template_id} does not exist")
    rendering.validate_template(html, field="html", html=True)


def _check_address(field: str, value: str) -> None:
    """A bare address or `Name <address>`, on one line (it becomes a header)."""
    check_single_line(field, value)
    _display, address = parseaddr(value)
    if not address or (value != address and "<" not in value):
        raise _fail(field, f"{value!r} is not an email address")
    normalize_email(address, field=field)


def _validate_sms(values: Mapping[str, Any], problems: Problems) -> None:
    with problems.check():
        body = values.get("body") or ""
        if not body.strip():
            raise _fail("body", "an SMS needs a body")
        if len(body) > MAX_SMS_BODY:
            raise _fail("body", f"at most {MAX_SMS_BODY} characters")
        rendering.validate_template(body, field="body", sms=True)
    with problems.check():
        sender = values.get("from_number")
        if sender:
            check_single_line("from_number", sender)
            _check_sender(sender)


def _check_sender(sender: str) -> None:
    """An E.164 number, a Messaging Service SID (MG...), or an alphanumeric sender id."""
    if sender.startswith("+"):
        normalize_phone(sender, field="from_number")
        return
    if sender.startswith("MG") and len(sender) == 34 and sender[2:].isalnum():
        return
    if 1 <= len(sender) <= 11 and sender.replace(" ", "").isalnum() and any(c.isalpha() for c in sender):
        return
    raise _fail("from_number", f"{sender!r} is not an E.164 number, MG... service id or alphanumeric sender")
