"""The fixed choices of the campaign dialog and the lists it offers (segments, templates, zones)."""

from __future__ import annotations

import zoneinfo
from dataclasses import dataclass

from campaign_dashboard.config import Settings
from campaign_dashboard.db import session_scope
from campaign_dashboard.models import Channel
from campaign_dashboard.services.audience import segments, topics
from campaign_dashboard.services.campaigns import templates
from campaign_dashboard.services.campaigns.commands import When
from campaign_dashboard.services.pagination import MAX_LIMIT
from campaign_dashboard.services.sending.frequency_cap import FrequencyCap

TIMEZONES = [
    "UTC",
    *sorted(z for z in zoneinfo.available_timezones() if "/" in z and not z.startswith(("Etc/", "SystemV/"))),
]
STARTER_HTML = (
    "<h1>Hi {{ first_name | default('there') }},</h1>\n"
    "<p>Write your message here.</p>\n"
    '<p><a href="https://example.com">Read more</a></p>'
)
DRAFT, NOW, SCHEDULE = When.DRAFT.value, When.NOW.value, When.SCHEDULE.value
TEMPLATE, HTML = "template", "html"
CHANNELS = {c.value for c in Channel}
SAVE_LABELS = {DRAFT: "Save draft", NOW: "Save and send now", SCHEDULE: "Schedule"}
# What `set_field` may set: the plain text fields (the others have their own handler).
PLAIN_FIELDS = (
    "name",
    "from_email",
    "reply_to",
    "from_number",
    "schedule_date",
    "schedule_time",
    "timezone",
    "local_send_time",
    "local_time_zone",
    "test_to",
)


@dataclass
class Option:
    value: str = ""
    label: str = ""


def segment_and_template_options() -> tuple[list[Option], list[Option]]:
    """Every segment (by name) and every template, for the two pickers."""
    with session_scope() as session:
        found = segments.list_segments(session=session, limit=MAX_LIMIT).items
        segment_options = [Option(str(s.id), s.name) for s in sorted(found, key=lambda s: s.name.lower())]
        template_options = [
            Option(str(t.id), t.name) for t in templates.list_templates(session=session, limit=MAX_LIMIT).items
        ]
    return segment_options, template_options


NO_TOPIC = "none"  # the topic picker's "No topic" (a select item's value cannot be empty)


def topic_options() -> list[Option]:
    """ "No topic", then every topic by name, for the topic picker."""
    with session_scope() as session:
        found = topics.list_topics(session=session)
    return [
        Option(NO_TOPIC, "No topic (only unsubscribes from everything count)"),
        *(Option(str(t.id), t.name) for t in found),
    ]


def quiet_hours_note(settings: Settings) -> str:
    """What the SMS form says about quiet hours ("" when they are off)."""
    if not settings.quiet_hours_enabled:
        return ""
    return (
        f"Quiet hours: texts go out only between {settings.quiet_hours_start:02d}:00 and "
        f"{settings.quiet_hours_end:02d}:00 in each contact's own time zone; the others wait until "
        "their morning."
    )


def frequency_cap_note(settings: Settings) -> str:
    """What the form says under "Ignore the frequency cap" ("" when the workspace has no cap)."""
    cap = FrequencyCap.for_campaign(settings, ignore=False)
    if cap is None:
        return ""
    return f"The frequency cap: {cap.words()}. Contacts already over it are skipped, unless this is ticked."
