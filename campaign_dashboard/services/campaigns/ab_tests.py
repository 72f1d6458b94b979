"""An A/B test on a campaign: its 2-4 variants, the share of the audience that tests them, the
metric the winner is picked on and how long to wait for it.

Set, replaced or removed only while the campaign can be edited (draft or scheduled): once sending
starts, the variants are frozen like the rest of the content, since recipients were already split
on them. Every problem is refused at once, each naming its field (`variants.1.subject`, ...).
The split is `sending.ab_split`'s, the decision `ab_decision`'s.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import update as sql_update
from sqlmodel import Session, col

from campaign_dashboard.models import AbTest, Channel, utcnow
from campaign_dashboard.services.campaigns import preflight, rendering
from campaign_dashboard.services.campaigns.content import MAX_SMS_BODY
from campaign_dashboard.services.campaigns.lifecycle import EDITABLE
from campaign_dashboard.services.campaigns.records import ensure_editable, get
from campaign_dashboard.services.channels import campaign_model
from campaign_dashboard.services.errors import Conflict, Problems, ValidationFailed
from campaign_dashboard.services.limits import MAX_HTML_CHARS, check_length, check_single_line
from campaign_dashboard.services.sending.ab_split import sample_size, test_of

LABELS = "ABCD"
MIN_VARIANTS, MAX_VARIANTS = 2, 4
MAX_WAIT_MINUTES = 7 * 24 * 60  # a week: opens after that say little about the subject
MAX_FROM_NAME = 100
# The metrics a winner can be picked on, per channel, with their words.
METRICS: dict[Channel, dict[str, str]] = {
    Channel.EMAIL: {"open_rate": "open rate", "click_rate": "click rate"},
    Channel.SMS: {"reply_rate": "reply rate", "delivery_rate": "delivery rate"},
}
VARIANT_FIELDS: dict[Channel, tuple[str, ...]] = {
    Channel.EMAIL: ("subject", "html", "from_name"),
    Channel.SMS: ("body",),
}
SETTINGS = ("variants", "test_share", "metric", "wait_minutes")


def label(index: int) -> str:
    """A variant's name: A, B, C, D; the remainder is told apart by its caller."""
    return LABELS[index] if 0 <= index < len(LABELS) else "?"


def get_test(*, session: Session, channel: str, campaign_id: int) -> AbTest | None:
    get(session=session, channel=channel, campaign_id=campaign_id)  # NotFound for an unknown campaign
    return test_of(session, channel, campaign_id)


def set_test(*, session: Session, channel: str, campaign_id: int, data: Mapping[str, Any]) -> AbTest:
    """Create or replace the campaign's A/B test (Conflict once the campaign has started)."""
    channel = Channel(channel)
    campaign = get(session=session, channel=channel, campaign_id=campaign_id)
    ensure_editable(campaign)
    values = checked(channel, data)
    test = test_of(session, channel, campaign_id) or AbTest(
        channel=channel.value, campaign_id=campaign_id, metric=values["metric"]
    )
    for key, value in values.items():
        setattr(test, key, value)
    test.updated_at = utcnow()
    session.add(test)
    _still_editable(session, channel, campaign_id)
    session.commit()
    session.refresh(test)
    return test


def remove_test(*, session: Session, channel: str, campaign_id: int) -> None:
    """The campaign goes back to one content for everybody (Conflict once it has started)."""
    campaign = get(session=session, channel=channel, campaign_id=campaign_id)
    ensure_editable(campaign)
    test = test_of(session, channel, campaign_id)
    if test is not None:
        session.delete(test)
        _still_editable(session, channel, campaign_id)
    session.commit()


def _still_editable(session: Session, channel: str, campaign_id: int) -> None:
    """In the change's transaction, the campaign row is still a draft or scheduled: a start that
    got there first (its compare-and-set on the same row) wins, and the change is refused, so the
    split a start made is never on other variants than those it read."""
    Campaign = campaign_model(channel)
    written = session.exec(
        sql_update(Campaign)
        .where(col(Campaign.id) == campaign_id, col(Campaign.status).in_([s.value for s in EDITABLE]))
        .values(updated_at=utcnow())
        .execution_options(synchronize_session=False)
    ).rowcount
    if written != 1:
        session.rollback()
        raise Conflict("The campaign started while its A/B test was being changed: its variants are frozen now.")


def describe(*, variants: int, share: int, metric: str, wait_minutes: int, audience: int) -> str:
    """What the send confirmation says about a test: who gets what first, and when the rest goes."""
    tested = sample_size(audience, share, variants)
    words = METRICS[Channel.EMAIL].get(metric) or METRICS[Channel.SMS].get(metric, metric)
    hours, minutes = divmod(wait_minutes, 60)
    wait = f"{hours} hour{'s' if hours != 1 else ''}" if not minutes else f"{wait_minutes} minutes"
    when = "as soon as the test messages are out" if not wait_minutes else f"{wait} after the start"
    return (
        f"A/B test: {share}% (about {tested:,} recipients) get one of {variants} variants first; the rest "
        f"wait for the one with the best {words}, picked {when}"
    )


def variant_preflights(
    session: Session, channel: str, campaign_id: int, values: Mapping[str, Any], *, skip_missing: bool = False
) -> list[preflight.Preflight]:
    """The start's preflight (`preflight.ensure_sendable`) for each variant's content (the
    campaign's `values` with the variant's subject, HTML or text), so no variant breaks at send
    time what the campaign's own content would have been refused for. ValidationFailed names the
    variant and its field (`variants.1.subject`)."""
    test = test_of(session, channel, campaign_id)
    if test is None:
        return []
    found = []
    for index, variant in enumerate(test.variants):
        overridden = {**values, **{k: v for k, v in variant.items() if k in ("subject", "html", "body")}}
        if variant.get("html"):  # its own HTML in place of the campaign's (or its template's)
            overridden["template_id"] = None
        if overridden == dict(values):
            continue  # the campaign's own content, checked already
        try:
            found.append(
                preflight.ensure_sendable(
                    session=session, channel=channel, values=overridden, skip_missing=skip_missing
                )
            )
        except ValidationFailed as exc:
            details = [{**d, "field": f"variants.{index}.{d.get('field')}"} for d in exc.details]
            raise ValidationFailed(f"Variant {label(index)}: {exc.message}", details=details) from None
    return found


def checked(channel: Channel, data: Mapping[str, Any]) -> dict[str, Any]:
    """The test's settings, normalised; ValidationFailed naming every field that is wrong."""
    problems = Problems()
    unknown = sorted(set(data) - set(SETTINGS))
    if unknown:
        raise ValidationFailed(
            f"Unknown A/B test field(s): {', '.join(unknown)}.",
            details=[{"field": f, "message": "unknown field"} for f in unknown],
        )
    values: dict[str, Any] = {}
    with problems.check():
        values["variants"] = _variants(channel, data.get("variants"), problems)
    with problems.check():
        values["test_share"] = _whole("test_share", data.get("test_share", 20), 1, 99, "percent of the audience")
    with problems.check():
        metric = data.get("metric") or next(iter(METRICS[channel]))
        if metric not in METRICS[channel]:
            allowed = ", ".join(METRICS[channel])
            raise _fail("metric", f"use one of {allowed} for an {channel.value} campaign")
        values["metric"] = metric
    with problems.check():
        values["wait_minutes"] = _whole("wait_minutes", data.get("wait_minutes", 240), 0, MAX_WAIT_MINUTES, "minutes")
    problems.raise_any()
    return values


def _variants(channel: Channel, given: Any, problems: Problems) -> list[dict[str, Any]]:
    if not isinstance(given, list) or not MIN_VARIANTS <= len(given) <= MAX_VARIANTS:
        raise _fail("variants", f"give {MIN_VARIANTS} to {MAX_VARIANTS} variants")
    variants = []
    for index, variant in enumerate(given):
        field = f"variants.{index}"
        if not isinstance(variant, Mapping):
            problems.found.append(_fail(field, "an object with the variant's content"))
            continue
        wrong = sorted(set(variant) - set(VARIANT_FIELDS[channel]))
        if wrong:
            kind = "an email" if channel is Channel.EMAIL else "an SMS"
            allowed = ", ".join(VARIANT_FIELDS[channel])
            problems.found.append(_fail(f"{field}.{wrong[0]}", f"{kind} variant has only {allowed}"))
            continue
        cleaned = {k: v.strip() if isinstance(v, str) and k not in ("html", "body") else v for k, v in variant.items()}
        cleaned = {k: v for k, v in cleaned.items() if v not in (None, "")}
        with problems.check():
            if channel is Channel.EMAIL:
                _check_email_variant(field, cleaned)
            else:
                _check_sms_variant(field, cleaned)
        variants.append(cleaned)
    return variants


def _check_email_variant(field: str, variant: dict[str, Any]) -> None:
    subject = variant.get("subject")
    if not isinstance(subject, str) or not subject:
        raise _fail(f"{field}.subject", "each variant needs a subject")
    if len(subject) > 500:
        raise _fail(f"{field}.subject", "at most 500 characters")
    check_single_line(f"{field}.subject", subject)
    rendering.validate_template(subject, field=f"{field}.subject")
    html = variant.get("html")
    if html is not None:
        if not isinstance(html, str):
            raise _fail(f"{field}.html", "HTML text")
        check_length(f"{field}.html", html, MAX_HTML_CHARS)
        rendering.validate_template(html, field=f"{field}.html", html=True)
    name = variant.get("from_name")
    if name is not None:
        if not isinstance(name, str) or len(name) > MAX_FROM_NAME:
            raise _fail(f"{field}.from_name", f"a name of at most {MAX_FROM_NAME} characters")
        check_single_line(f"{field}.from_name", name)
        if any(c in name for c in '<>"@'):
            raise _fail(f"{field}.from_name", 'a name only, without an address or < > " @')


def _check_sms_variant(field: str, variant: dict[str, Any]) -> None:
    body = variant.get("body")
    if not isinstance(body, str) or not body.strip():
        raise _fail(f"{field}.body", "each variant needs a body")
    if len(body) > MAX_SMS_BODY:
        raise _fail(f"{field}.body", f"at most {MAX_SMS_BODY} characters")
    rendering.validate_template(body, field=f"{field}.body", sms=True)


def _whole(field: str, value: Any, low: int, high: int, unit: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise _fail(field, f"a whole number from {low} to {high} ({unit})")
    return value


def _fail(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(f"{field}: {message}", details=[{"field": field, "message": message}])
