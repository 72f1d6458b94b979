"""Before a campaign starts or is scheduled: render it for real contacts of its audience and say
what would break, so that nothing the preview already knows is broken goes out.

The preview renders for one sample contact, where a missing variable is tolerated; the worker
renders for each recipient and fails those it cannot render. This renders like the worker
(`sending.compose.content`, the same compiled templates and render limits) for every contact of
an audience up to `SAMPLE_SIZE`, or that many picked at random from a larger one, and groups what
fails: undefined variables, other render errors, SMS longer than one message may be. `commands`
refuses start and schedule while problems exist (`ensure_sendable`); `summarise` is what a
confirmation shows (audience, sender, SMS cost, whom the frequency cap skips, problems).
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from types import SimpleNamespace
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, col, select

from campaign_dashboard.config import get_settings
from campaign_dashboard.models import Channel, Contact, EmailTemplate, Segment
from campaign_dashboard.services.audience.contacts import tags_of
from campaign_dashboard.services.campaigns import content, rendering
from campaign_dashboard.services.campaigns.render_limits import RenderLimits
from campaign_dashboard.services.campaigns.sms_pricing import sms_cost, sms_preview
from campaign_dashboard.services.errors import ValidationFailed
from campaign_dashboard.services.sending import compose

# The snapshot's own query (segment members, minus suppressed and unsubscribed, one row per
# address), so the contacts checked are exactly those the campaign would send to.
from campaign_dashboard.services.sending.audience_snapshot import audience_query, count_audience, count_capped
from campaign_dashboard.services.sending.frequency_cap import FrequencyCap

SAMPLE_SIZE = 2000  # every contact up to this many; a random sample of this many beyond
EXAMPLES = 3  # example addresses shown per problem

_TOO_LONG = re.compile(r"more than the ([\d,]+) one SMS may have")


class Kind(StrEnum):
    UNDEFINED = "undefined_variable"
    RENDER = "render_error"
    TOO_LONG = "sms_too_long"


@dataclass
class Problem:
    """One kind of failure on one field, with how many of the checked contacts it hits."""

    kind: Kind
    field: str
    message: str  # what is wrong, once for all the contacts it hits
    contacts: int = 0
    examples: list[str] = dataclasses.field(default_factory=list)  # a few of their addresses
    variable: str | None = None  # the variable these contacts lack (undefined variables only)

    def sentence(self) -> str:
        example = f" (e.g. {', '.join(self.examples)})" if self.examples else ""
        return f"{self.message}: {self.contacts:,} contact{'' if self.contacts == 1 else 's'}{example}"


@dataclass(frozen=True)
class Preflight:
    """What rendering for `checked` of the `audience` recipients found."""

    audience: int
    checked: int
    problems: tuple[Problem, ...] = ()

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def sampled(self) -> bool:
        return self.checked < self.audience

    @property
    def failing(self) -> int:
        """Checked contacts that would not get the message (a render stops at its first error)."""
        return sum(p.contacts for p in self.problems)

    @property
    def skippable(self) -> bool:
        """Only variables that some contacts lack: the campaign may be sent anyway, without them
        (the worker fails each such recipient with the reason, as it fails any it cannot render)."""
        return (
            bool(self.problems) and all(p.kind is Kind.UNDEFINED for p in self.problems) and self.failing < self.checked
        )

    def missing_variables(self) -> tuple[str, ...]:
        """The variables some contacts lack (what sending anyway skips them for)."""
        return tuple(sorted({p.variable for p in self.problems if p.kind is Kind.UNDEFINED and p.variable}))

    def skipped_words(self) -> str:
        """How many sending anyway would skip: exact when every recipient was checked."""
        if not self.sampled:
            return f"{self.failing:,} contact{'' if self.failing == 1 else 's'}"
        return f"about {round(self.failing * self.audience / self.checked):,} contacts"

    def scope(self) -> str:
        """Which contacts were rendered, in words."""
        if self.sampled:
            return f"a random sample of {self.checked:,} of the {self.audience:,} recipients"
        return f"all {self.checked:,} recipients"

    def refusal(self, name: str) -> ValidationFailed:
        """The error that refuses to send: one detail per problem, naming its field."""
        count = len(self.problems)
        return ValidationFailed(
            f"“{name}” cannot be sent: rendering it for {self.scope()} found {count} problem"
            f"{'' if count == 1 else 's'}. " + " ".join(f"{p.field}: {p.sentence()}." for p in self.problems),
            details=[
                {
                    "field": p.field,
                    "message": p.sentence(),
                    "kind": p.kind.value,
                    "contacts": p.contacts,
                    "examples": list(p.examples),
                }
                for p in self.problems
            ],
        )


@dataclass(frozen=True)
class SendSummary:
    """What a confirmation before sending shows."""

    name: str
    channel: Channel
    sender: str
    preflight: Preflight
    sms_segments: int = 0  # per message, as the sample contact gets it (SMS only)
    sms_cost: Decimal | None = None
    currency: str = ""
    cap: FrequencyCap | None = None  # the workspace's, unless off or the campaign ignores it
    capped: int = 0  # recipients the cap would skip if it started now
    cap_ignored: bool = False  # the campaign ignores a cap the workspace has

    @property
    def audience(self) -> int:
        return self.preflight.audience

    @property
    def receiving(self) -> int:
        """The recipients that would be sent the message: the audience less whom the cap skips."""
        return self.audience - self.capped


def campaign_values(channel: Channel | str, campaign: Any) -> dict[str, Any]:
    """The name, segment and content of a saved campaign, as `check` and `summarise` take them."""
    return {f: getattr(campaign, f) for f in content.content_fields(Channel(channel))}


def check(
    *, session: Session, channel: Channel | str, values: Mapping[str, Any], sample_size: int = SAMPLE_SIZE
) -> Preflight:
    """Render `values` (a campaign's segment and content, saved or not) for the audience's contacts.

    Content that is incomplete (no segment, no template) checks nothing: saving refuses it first."""
    channel = Channel(channel)
    segment_id = values.get("segment_id")
    segment = session.get(Segment, segment_id) if segment_id else None
    compiled = _compiled(session, channel, values)
    if segment is None or segment.id is None or compiled is None:
        return Preflight(audience=0, checked=0)
    topic_id = values.get("topic_id")
    audience = count_audience(session=session, channel=channel, segment_id=segment.id, topic_id=topic_id)
    if isinstance(compiled, rendering.RenderError):  # does not even compile: every contact fails
        problem = _problem_of(compiled, {})
        problem.contacts = audience
        return Preflight(audience=audience, checked=audience, problems=(problem,) if audience else ())
    rows = _sample(session, channel, segment, audience, sample_size, topic_id)
    found = session.exec(select(Contact).where(col(Contact.id).in_([cid for cid, _ in rows]))).all()
    contacts: dict[int, Contact] = {c.id: c for c in found if c.id is not None}
    tags = tags_of(session=session, contact_ids=list(contacts))
    limits = RenderLimits.from_settings(get_settings())
    problems: dict[tuple[str, ...], Problem] = {}
    for contact_id, address in rows:
        contact = contacts.get(contact_id) or {"email" if channel is Channel.EMAIL else "phone": address}
        try:
            if channel is Channel.EMAIL:
                compiled.render(contact, extra=rendering.SAMPLE_EXTRA, tags=tags.get(contact_id, []), limits=limits)
            else:
                compiled.render(contact, tags=tags.get(contact_id, []), limits=limits)
        except rendering.RenderError as exc:
            problem = _problem_of(exc, problems)
            problem.contacts += 1
            if len(problem.examples) < EXAMPLES:
                problem.examples.append(address)
    return Preflight(audience=audience, checked=len(rows), problems=tuple(problems.values()))


def ensure_sendable(
    *, session: Session, channel: Channel | str, values: Mapping[str, Any], skip_missing: bool = False
) -> Preflight:
    """`check`, raising ValidationFailed (naming each problem's field) when anything would break;
    with `skip_missing`, variables only some contacts lack are allowed (those contacts are skipped)."""
    result = check(session=session, channel=channel, values=values)
    if not result.ok and not (skip_missing and result.skippable):
        raise result.refusal(values.get("name") or "The campaign")
    return result


def summarise(*, session: Session, channel: Channel | str, values: Mapping[str, Any]) -> SendSummary:
    """What sending `values` means: its audience, sender, SMS cost, and the preflight's problems.
    `values` are checked as saving checks them first (ValidationFailed naming the field)."""
    channel = Channel(channel)
    settings = get_settings()
    values = content.normalise(session, channel, {f: values.get(f) for f in content.content_fields(channel)})
    content.validate(session, channel, values)
    result = check(session=session, channel=channel, values=values)
    name = values.get("name") or ""
    ignored = bool(values.get("ignore_frequency_cap"))
    cap = FrequencyCap.for_campaign(settings, ignore=ignored)
    capping: dict[str, Any] = {"cap": cap, "cap_ignored": ignored and settings.frequency_cap_messages > 0}
    if result.audience:
        capping["capped"] = count_capped(
            session=session, channel=channel, segment_id=values["segment_id"], cap=cap, topic_id=values.get("topic_id")
        )
    if channel is Channel.EMAIL:
        sender = values.get("from_email") or settings.email_from
        return SendSummary(name=name, channel=channel, sender=sender, preflight=result, **capping)
    info = sms_preview(values.get("body") or "")
    cost = sms_cost(info, audience=result.audience - capping.get("capped", 0))
    sender = values.get("from_number") or settings.twilio_from or settings.twilio_messaging_service_sid or ""
    return SendSummary(
        name=name,
        channel=channel,
        sender=sender,
        preflight=result,
        **capping,
        sms_segments=info.segments,
        sms_cost=cost["estimated_cost"],
        currency=cost["currency"],
    )


def _compiled(session: Session, channel: Channel, values: Mapping[str, Any]) -> Any:
    """The worker's compiled content for `values`; None when there is nothing to render yet, the
    RenderError when a template does not compile."""
    if channel is Channel.EMAIL:
        template_id = values.get("template_id")
        if template_id and session.get(EmailTemplate, template_id) is None:
            return None
        if not template_id and not values.get("html"):
            return None
        if not (values.get("subject") or template_id):
            return None
    elif not (values.get("body") or "").strip():
        return None
    campaign = SimpleNamespace(**{k: values.get(k) for k in ("subject", "html", "text", "template_id", "body")})
    try:
        return compose.content(session, channel, campaign)
    except rendering.RenderError as exc:
        return exc


def _sample(
    session: Session, channel: Channel, segment: Segment, audience: int, size: int, topic_id: int | None
) -> list[tuple[int, str]]:
    """(contact id, address) of every recipient, or of `size` picked at random among more."""
    query = audience_query(channel, segment, topic_id=topic_id)
    if audience > size:
        query = query.order_by(func.random()).limit(size)
    return [(row.contact_id, row.address) for row in session.connection().execute(query)]


def _problem_of(exc: rendering.RenderError, problems: dict[tuple[str, ...], Problem]) -> Problem:
    """The group `exc` belongs to (added to `problems` when new)."""
    where, _, reason = exc.message.partition(": ")
    if exc.variable is not None:  # the same reason for every contact that lacks it
        key: tuple[str, ...] = (Kind.UNDEFINED, where, exc.variable)
        message = reason
    elif match := _TOO_LONG.search(reason):
        key = (Kind.TOO_LONG, where)
        message = f"the message is longer than the {match.group(1)} characters one SMS may have"
    else:
        key = (Kind.RENDER, where, reason)
        message = reason
    if key not in problems:
        problems[key] = Problem(kind=Kind(key[0]), field=where, message=message, variable=exc.variable)
    return problems[key]
