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
`{{ 1/0 }}`, too much output) is refused there. The sample contact has none of the attributes
real contacts have, so a name it lacks is shown as `[name]` in its previews and accepted at
save, unless the name looks like a typo of a contact field (`frist_name`): that is refused with
a "did you mean". Errors say what is wrong and where, in words (`render_messages`). Emails
without a text part get one made from their HTML (`html_text`).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Generic, TypeVar

from jinja2 import TemplateSyntaxError, meta, nodes
from jinja2.exceptions import SecurityError, TemplateError, UndefinedError

from campaign_dashboard.services.campaigns import render_limits, render_messages
from campaign_dashboard.services.campaigns.html_text import html_to_text
from campaign_dashboard.services.campaigns.render_limits import Budget, BudgetExceeded, RenderLimits
from campaign_dashboard.services.campaigns.render_sandbox import (
    HTML_ENV,
    SAMPLE_HTML_ENV,
    SAMPLE_TEXT_ENV,
    TEXT_ENV,
    BoundedSandbox,
    compile_source,
)
from campaign_dashboard.services.errors import DomainError, ValidationFailed

T = TypeVar("T")

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
# The names every template may use, whatever the contact: an attribute never takes one of them,
# nor a name the sandbox defines (range, dict, ...).
BUILT_IN_NAMES = (*CONTACT_FIELDS, "tags", "attributes", *SAMPLE_EXTRA)
RESERVED_NAMES = frozenset(BUILT_IN_NAMES) | frozenset(TEXT_ENV.globals)


class RenderError(DomainError):
    """One recipient's message could not be rendered; the reason is shown on that recipient.
    `undefined`: the reason is a variable this contact does not have (named by `variable`);
    `compiling`: the template itself is wrong (its syntax, or a misspelt field), whoever it is
    rendered for."""

    code = "render_failed"

    def __init__(
        self,
        message: str,
        *,
        details: list[dict[str, Any]] | None = None,
        undefined: bool = False,
        compiling: bool = False,
        variable: str | None = None,
    ) -> None:
        super().__init__(message, details=details)
        self.undefined = undefined or variable is not None
        self.compiling = compiling
        self.variable = variable


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

    Each attribute is also available under its own name (`{{ country }}` as well as
    `{{ attributes.country }}`), so a marketer writes what their CSV column was called. Built-in
    names win: an attribute called `first_name`, `email`, `tags`, `attributes`, `unsubscribe_url`
    (or any extra, or a sandbox name like `range`) never replaces the contact's own value, since
    an imported column must not change what a template's fixed names mean; it stays reachable as
    `attributes.<name>`.
    """
    get = contact.get if isinstance(contact, Mapping) else (lambda k, d=None: getattr(contact, k, d))
    ctx: dict[str, Any] = {field: get(field, None) or "" for field in CONTACT_FIELDS}
    attributes = dict(get("attributes", None) or {})
    found_tags = tags if tags is not None else get("tags", None)
    ctx["tags"] = list(found_tags or [])
    ctx["attributes"] = attributes
    extra = dict(extra or {})
    for key, value in attributes.items():
        if isinstance(key, str) and key.isidentifier() and key not in RESERVED_NAMES and key not in extra:
            ctx[key] = value
    ctx.update(extra)
    return ctx


# --- compile and render --------------------------------------------------------------------------


def validate_template(
    source: str | None, *, field: str, html: bool = False, sms: bool = False, limits: RenderLimits | None = None
) -> None:
    """Raise ValidationFailed naming `field` (and the line, in words) when `source` is not a valid
    template or cannot be rendered within the limits: it is compiled and rendered once for the
    sample contact, where a variable the sample does not have counts as set (unless it looks like
    a typo of a contact field)."""
    if not source:
        return
    try:
        template = CompiledTemplate(source, field=field, html=html, sample=True)
        limits = limits or current_limits()
        template.render(
            contact_context(SAMPLE_CONTACT, extra=SAMPLE_EXTRA),
            budget=Budget(limits),
            max_chars=limits.max_sms if sms else None,
        )
    except RenderError as exc:
        if exc.undefined:
            return  # a variable missing from the sample contact: each real contact is checked when sent
        if exc.compiling:
            raise ValidationFailed(exc.message, details=exc.details) from None
        raise ValidationFailed(f"{exc.message} (rendered for a sample contact)", details=exc.details) from None


def _failure(
    field: str, problem: render_messages.Problem, *, compiling: bool = False, variable: str | None = None
) -> RenderError:
    return RenderError(
        f"{field}: {problem.sentence}", details=[problem.detail(field)], compiling=compiling, variable=variable
    )


def _render_bounded(
    template,  # noqa: ANN001
    context: Mapping[str, Any],
    *,
    field: str,
    source: str,
    budget: Budget,
    max_chars: int | None = None,
) -> str:
    """Render under `budget`; every failure, whatever raised it, is a RenderError naming `field`
    and saying, in words, what went wrong on which line."""
    try:
        with render_limits.running(budget):
            text = render_limits.bounded_output(template.generate(context), budget, what=f"the {field}")
    except UndefinedError as exc:
        line = render_messages.template_line(exc.__traceback__)
        name = render_messages.undefined_name(str(exc))
        if name is None:
            raise _failure(field, render_messages.runtime_problem(str(exc), line=line, source=source)) from None
        problem = render_messages.undefined_problem(name, _known_names(context), line=line, source=source)
        raise _failure(field, problem, variable=name) from None
    except Exception as exc:  # noqa: BLE001 - whatever a template does wrong fails this one render
        line = render_messages.template_line(exc.__traceback__)
        problem = render_messages.runtime_problem(_reason(exc), line=line, source=source)
        raise _failure(field, problem) from None
    if max_chars is not None and len(text.strip()) > max_chars:
        size = f"{len(text.strip()):,}"
        raise _failure(
            field,
            render_messages.Problem(f"the message is {size} characters, more than the {max_chars:,} one SMS may have"),
        )
    return text


def _reason(exc: Exception) -> str:
    if isinstance(exc, BudgetExceeded):
        return str(exc)
    if isinstance(exc, SecurityError):
        return f"not allowed in a template: {exc}"
    if isinstance(exc, TemplateError):
        return exc.message or exc.__class__.__name__
    if isinstance(exc, RecursionError):
        return "the template calls itself too deeply"
    if isinstance(exc, MemoryError):
        return "the template needs too much memory"
    return render_messages.runtime_reason(exc)


def _known_names(context: Mapping[str, Any]) -> list[str]:
    """The names this contact's template could have meant: its variables and its attributes."""
    attributes = context.get("attributes")
    keys = [k for k in attributes if isinstance(k, str)] if isinstance(attributes, Mapping) else []
    return [*context, *keys]


def _likely_typo(env: BoundedSandbox, source: str, field: str) -> RenderError | None:
    """A name the sample contact lacks that looks like a misspelt contact field (`frist_name`,
    `emial`; not `phone2`, which extends one): real contacts would not have it either."""
    tree = env.parse(source)
    known = set(BUILT_IN_NAMES) | set(SAMPLE_CONTACT["attributes"]) | set(env.globals)
    for name in sorted(meta.find_undeclared_variables(tree) - known):
        near = render_messages.suggestion(name, BUILT_IN_NAMES)
        if near and not name.startswith(near):
            line = next((n.lineno for n in tree.find_all(nodes.Name) if n.name == name), None)
            piece = render_messages.excerpt(source, line, name=name)
            text = f"'{name}' is not a contact field{' in ' + piece if piece else ''}; did you mean '{near}'?"
            return _failure(field, render_messages.Problem(text, line), compiling=True)
    return None


class CompiledTemplate:
    """One template compiled once; `render` it per recipient, each render within `limits`.
    `sample`: rendered for the sample contact, where a name it lacks shows as `[name]`."""

    def __init__(self, source: str, *, field: str, html: bool = False, sample: bool = False) -> None:
        self.field = field
        self.source = source or ""
        env = (SAMPLE_HTML_ENV if html else SAMPLE_TEXT_ENV) if sample else (HTML_ENV if html else TEXT_ENV)
        try:
            self._template = compile_source(env, self.source)
        except TemplateSyntaxError as exc:  # saved before validation existed: fail the send, readably
            problem = render_messages.syntax_problem(exc, self.source, filters=env.filters, tests=env.tests)
            raise _failure(field, problem, compiling=True) from None
        typo = _likely_typo(env, self.source, field) if sample else None
        if typo is not None:
            raise typo

    def render(self, context: Mapping[str, Any], *, budget: Budget | None = None, max_chars: int | None = None) -> str:
        return _render_bounded(
            self._template,
            context,
            field=self.field,
            source=self.source,
            budget=budget or Budget(current_limits()),
            max_chars=max_chars,
        )


class _CompiledMessage(ABC, Generic[T]):
    """One channel's compiled message: `render` builds the contact's context and hands it on."""

    def render(
        self,
        contact: Any,
        *,
        extra: Mapping[str, Any] | None = None,
        tags: Sequence[str] | None = None,
        limits: RenderLimits | None = None,
    ) -> T:
        return self._render(contact_context(contact, tags=tags, extra=extra), limits or current_limits())

    @abstractmethod
    def _render(self, ctx: dict[str, Any], limits: RenderLimits) -> T: ...


class CompiledEmail(_CompiledMessage[RenderedEmail]):
    """Subject, HTML and optional text part of one email, compiled once. One message's parts
    share one budget: the limits are per message."""

    def __init__(self, *, subject: str, html: str, text: str | None = None, sample: bool = False) -> None:
        self.subject = CompiledTemplate(subject, field="subject", sample=sample)
        self.html = CompiledTemplate(html, field="html", html=True, sample=sample)
        self.text = CompiledTemplate(text, field="text", sample=sample) if text else None

    def _render(self, ctx: dict[str, Any], limits: RenderLimits) -> RenderedEmail:
        budget = Budget(limits)
        subject = " ".join(self.subject.render(ctx, budget=budget).split())  # no newlines in a header
        html = self.html.render(ctx, budget=budget)
        text = self.text.render(ctx, budget=budget) if self.text else html_to_text(html)
        return RenderedEmail(subject=subject, html=html, text=text)


class CompiledSms(_CompiledMessage[str]):
    def __init__(self, body: str, *, sample: bool = False) -> None:
        self.body = CompiledTemplate(body, field="body", sample=sample)

    def _render(self, ctx: dict[str, Any], limits: RenderLimits) -> str:
        return self.body.render(ctx, budget=Budget(limits), max_chars=limits.max_sms).strip()


@lru_cache(maxsize=256)
def compile_email(subject: str, html: str, text: str | None = None, *, sample: bool = False) -> CompiledEmail:
    """A compiled email, cached by its sources (so per-recipient calls compile nothing);
    `sample`: for previews with the sample contact (see CompiledTemplate)."""
    return CompiledEmail(subject=subject, html=html, text=text, sample=sample)


@lru_cache(maxsize=256)
def compile_sms(body: str, *, sample: bool = False) -> CompiledSms:
    return CompiledSms(body, sample=sample)


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
    """Render with a real contact when given, else with a believable sample one (where a name
    only real contacts have shows as `[name]`). Bounded like every render (RenderError when a
    limit is hit); safe to call from a worker thread."""
    extra = {**SAMPLE_EXTRA, **(extra or {})}
    if contact is not None:
        return render_email(subject=subject, html=html, text=text, contact=contact, extra=extra, limits=limits)
    compiled = compile_email(subject, html, text or None, sample=True)
    return compiled.render(SAMPLE_CONTACT, extra=extra, limits=limits)


def preview_sms(
    *, body: str, contact: Any = None, extra: Mapping[str, Any] | None = None, limits: RenderLimits | None = None
) -> str:
    extra = {**SAMPLE_EXTRA, **(extra or {})}
    if contact is not None:
        return render_sms(body=body, contact=contact, extra=extra, limits=limits)
    return compile_sms(body, sample=True).render(SAMPLE_CONTACT, extra=extra, limits=limits)


preview = preview_email
