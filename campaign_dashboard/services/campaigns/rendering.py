"""Personalising messages: Jinja2 in a sandbox, with the contact's fields as variables.

Templates are written by marketers, so they run in `SandboxedEnvironment` (no attribute tricks)
and HTML is autoescaped (a contact named `<script>` stays text). A variable that does not exist
is an error, not a silent blank: `{{ first_name }}` of a contact without that field fails that one
recipient with a readable reason, while `{{ first_name | default("there") }}` falls back. Our
`default` also falls back for an empty or null value, because a contact with no first name has "".

The send path renders hundreds of recipients per batch: compile once (`compile_email`,
`compile_sms`, or the cached `render_*` helpers), then call `.render(contact)` per recipient.

Every render is bounded in CPU time, output size and work (the sandbox of `render_sandbox`, with
the budgets of `render_limits`, Settings RENDER_*), from any thread: the web process calls these
functions through `asyncio.to_thread`, the worker directly. A render that hits a limit raises
RenderError like any other template failure. Saving renders the content once against a sample
contact (`validate_template`), so a template that parses but cannot render (an unknown filter,
`{{ 1/0 }}`, too much output) is refused there. Emails without a text part get one made from
their HTML (`html_text`).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

from jinja2 import TemplateSyntaxError
from jinja2.exceptions import SecurityError, TemplateError, UndefinedError

from campaign_dashboard.services.campaigns import render_limits
from campaign_dashboard.services.campaigns.html_text import html_to_text
from campaign_dashboard.services.campaigns.render_limits import Budget, BudgetExceeded, RenderLimits
from campaign_dashboard.services.campaigns.render_sandbox import (
    HTML_ENV,
    SAMPLE_HTML_ENV,
    SAMPLE_TEXT_ENV,
    TEXT_ENV,
    compile_source,
)
from campaign_dashboard.services.errors import DomainError, ValidationFailed

CONTACT_FIELDS = ("email", "phone", "first_name", "last_name", "timezone")

SAMPLE_CONTACT: dict[str, Any] = {
    "email": "jane.doe@example.com",
    "phone": "+14155550100",
    "first_name": "Jane",
    "last_name": "Doe",
    "timezone": "America/New_York",
    "tags": ["customer", "vip"],
    "attributes": {"city": "Lisbon", "plan": "pro", "company": "Acme"},
}
SAMPLE_EXTRA: dict[str, Any] = {"unsubscribe_url": "https://example.com/unsubscribe/preview"}


class RenderError(DomainError):
    """One recipient's message could not be rendered; the reason is shown on that recipient.
    `undefined`: the reason is a variable this contact does not have."""

    code = "render_failed"

    def __init__(self, message: str, *, details: list[dict[str, Any]] | None = None, undefined: bool = False) -> None:
        super().__init__(message, details=details)
        self.undefined = undefined


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


def current_limits() -> RenderLimits:
    """The limits configured in Settings (RENDER_*)."""
    from campaign_dashboard.config import get_settings

    return RenderLimits.from_settings(get_settings())


# --- context -------------------------------------------------------------------------------------


def contact_context(
    contact: Any, *, tags: Sequence[str] | None = None, extra: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Template variables for one contact (a Contact row, any object with its fields, or a dict).

    Each attribute is also available top-level (`{{ city }}`) unless it clashes with a contact
    field or an extra; `attributes.city` always works.
    """
    get = contact.get if isinstance(contact, Mapping) else (lambda k, d=None: getattr(contact, k, d))
    ctx: dict[str, Any] = {field: get(field, None) or "" for field in CONTACT_FIELDS}
    attributes = dict(get("attributes", None) or {})
    found_tags = tags if tags is not None else get("tags", None)
    ctx["tags"] = list(found_tags or [])
    ctx["attributes"] = attributes
    extra = dict(extra or {})
    for key, value in attributes.items():
        if isinstance(key, str) and key.isidentifier() and key not in ctx and key not in extra:
            ctx[key] = value
    ctx.update(extra)
    return ctx


# --- compile and render --------------------------------------------------------------------------


def validate_template(
    source: str | None, *, field: str, html: bool = False, sms: bool = False, limits: RenderLimits | None = None
) -> None:
    """Raise ValidationFailed naming `field` (and the line) when `source` is not a valid template
    or cannot be rendered within the limits: it is compiled and rendered once for the sample
    contact, where a variable the sample does not have counts as set."""
    if not source:
        return
    env = SAMPLE_HTML_ENV if html else SAMPLE_TEXT_ENV
    try:
        template = compile_source(env, source)
    except TemplateSyntaxError as exc:
        message = f"{field}: template error on line {exc.lineno}: {exc.message}"
        raise ValidationFailed(
            message, details=[{"field": field, "line": exc.lineno, "message": exc.message or ""}]
        ) from None
    limits = limits or current_limits()
    try:
        _render_bounded(
            template,
            contact_context(SAMPLE_CONTACT, extra=SAMPLE_EXTRA),
            field=field,
            budget=Budget(limits),
            max_chars=limits.max_sms if sms else None,
        )
    except RenderError as exc:
        if exc.undefined:
            return  # a variable missing from the sample contact: each real contact is checked when sent
        raise ValidationFailed(
            f"{exc.message} (rendered for a sample contact)",
            details=[{"field": field, "message": exc.message.removeprefix(f"{field}: ")}],
        ) from None


def _render_bounded(
    template,
    context: Mapping[str, Any],
    *,
    field: str,
    budget: Budget,  # noqa: ANN001
    max_chars: int | None = None,
) -> str:
    """Render under `budget`; every failure, whatever raised it, is a RenderError naming `field`."""
    try:
        with render_limits.running(budget):
            text = render_limits.bounded_output(template.generate(context), budget, what=f"the {field}")
    except BudgetExceeded as exc:
        raise RenderError(f"{field}: {exc}") from None
    except UndefinedError as exc:
        raise RenderError(f"{field}: {_undefined_reason(exc)}", undefined=True) from None
    except SecurityError as exc:
        raise RenderError(f"{field}: not allowed in a template: {exc}") from None
    except TemplateError as exc:
        raise RenderError(f"{field}: {exc.message or exc.__class__.__name__}") from None
    except RecursionError:
        raise RenderError(f"{field}: the template calls itself too deeply") from None
    except MemoryError:
        raise RenderError(f"{field}: the template needs too much memory") from None
    except Exception as exc:  # noqa: BLE001 - a template's own runtime error (1/0, bad filter arg)
        raise RenderError(f"{field}: {exc.__class__.__name__}: {exc}") from None
    if max_chars is not None and len(text.strip()) > max_chars:
        raise RenderError(
            f"{field}: the message is {len(text.strip()):,} characters, more than the {max_chars:,} one SMS may have"
        )
    return text


class CompiledTemplate:
    """One template compiled once; `render` it per recipient, each render within `limits`."""

    def __init__(self, source: str, *, field: str, html: bool = False) -> None:
        self.field = field
        try:
            self._template = compile_source(HTML_ENV if html else TEXT_ENV, source or "")
        except TemplateSyntaxError as exc:  # saved before validation existed: fail the send, readably
            raise RenderError(
                f"{field}: template error on line {exc.lineno}: {exc.message}",
                details=[{"field": field, "line": exc.lineno, "message": exc.message or ""}],
            ) from None

    def render(self, context: Mapping[str, Any], *, budget: Budget | None = None, max_chars: int | None = None) -> str:
        return _render_bounded(
            self._template, context, field=self.field, budget=budget or Budget(current_limits()), max_chars=max_chars
        )


def _undefined_reason(exc: UndefinedError) -> str:
    match = re.match(r"'(.+?)' is undefined", str(exc))
    if match:
        name = match.group(1)
        return (
            f"the variable '{name}' is not set for this contact "
            f'(use {{{{ {name} | default("...") }}}} for a fallback)'
        )
    return str(exc)


class CompiledEmail:
    """Subject, HTML and optional text part of one email, compiled once. One message's parts
    share one budget: the limits are per message."""

    def __init__(self, *, subject: str, html: str, text: str | None = None) -> None:
        self.subject = CompiledTemplate(subject, field="subject")
        self.html = CompiledTemplate(html, field="html", html=True)
        self.text = CompiledTemplate(text, field="text") if text else None

    def render(
        self,
        contact: Any,
        *,
        extra: Mapping[str, Any] | None = None,
        tags: Sequence[str] | None = None,
        limits: RenderLimits | None = None,
    ) -> RenderedEmail:
        budget = Budget(limits or current_limits())
        ctx = contact_context(contact, tags=tags, extra=extra)
        subject = " ".join(self.subject.render(ctx, budget=budget).split())  # no newlines in a header
        html = self.html.render(ctx, budget=budget)
        text = self.text.render(ctx, budget=budget) if self.text else html_to_text(html)
        return RenderedEmail(subject=subject, html=html, text=text)


class CompiledSms:
    def __init__(self, body: str) -> None:
        self.body = CompiledTemplate(body, field="body")

    def render(
        self,
        contact: Any,
        *,
        extra: Mapping[str, Any] | None = None,
        tags: Sequence[str] | None = None,
        limits: RenderLimits | None = None,
    ) -> str:
        limits = limits or current_limits()
        return self.body.render(
            contact_context(contact, tags=tags, extra=extra), budget=Budget(limits), max_chars=limits.max_sms
        ).strip()


@lru_cache(maxsize=256)
def compile_email(subject: str, html: str, text: str | None = None) -> CompiledEmail:
    """A compiled email, cached by its sources (so per-recipient calls compile nothing)."""
    return CompiledEmail(subject=subject, html=html, text=text)


@lru_cache(maxsize=256)
def compile_sms(body: str) -> CompiledSms:
    return CompiledSms(body)


def render_email(
    *,
    subject: str,
    html: str,
    text: str | None,
    contact: Any,
    extra: Mapping[str, Any] | None = None,
    tags: Sequence[str] | None = None,
    limits: RenderLimits | None = None,
) -> RenderedEmail:
    return compile_email(subject, html, text or None).render(contact, extra=extra, tags=tags, limits=limits)


def render_sms(
    *,
    body: str,
    contact: Any,
    extra: Mapping[str, Any] | None = None,
    tags: Sequence[str] | None = None,
    limits: RenderLimits | None = None,
) -> str:
    return compile_sms(body).render(contact, extra=extra, tags=tags, limits=limits)


def preview_email(
    *,
    subject: str,
    html: str,
    text: str | None = None,
    contact: Any = None,
    extra: Mapping[str, Any] | None = None,
    limits: RenderLimits | None = None,
) -> RenderedEmail:
    """Render with a real contact when given, else with a believable sample one. Bounded like
    every render (RenderError when a limit is hit); safe to call from a worker thread."""
    return render_email(
        subject=subject,
        html=html,
        text=text,
        contact=SAMPLE_CONTACT if contact is None else contact,
        extra={**SAMPLE_EXTRA, **(extra or {})},
        limits=limits,
    )


def preview_sms(
    *, body: str, contact: Any = None, extra: Mapping[str, Any] | None = None, limits: RenderLimits | None = None
) -> str:
    return render_sms(
        body=body,
        contact=SAMPLE_CONTACT if contact is None else contact,
        extra={**SAMPLE_EXTRA, **(extra or {})},
        limits=limits,
    )


preview = preview_email
