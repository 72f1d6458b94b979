"""Personalising messages: Jinja2 in a sandbox, with the contact's fields as variables.

Templates are written by marketers, so they run in `SandboxedEnvironment` (no attribute tricks)
and HTML is autoescaped (a contact named `<script>` stays text). A variable that does not exist
is an error, not a silent blank: `{{ first_name }}` of a contact without that field fails that one
recipient with a readable reason, while `{{ first_name | default("there") }}` falls back. Our
`default` also falls back for an empty or null value, because a contact with no first name has "".

The send path renders hundreds of recipients per batch: compile once (`compile_email`,
`compile_sms`, or the cached `render_*` helpers), then call `.render(contact)` per recipient.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from functools import lru_cache
from html.parser import HTMLParser
from typing import Any

from jinja2 import StrictUndefined, TemplateSyntaxError, Undefined
from jinja2.exceptions import SecurityError, TemplateError, UndefinedError
from jinja2.sandbox import SandboxedEnvironment

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
    """One recipient's message could not be rendered; the reason is shown on that recipient."""

    code = "render_failed"


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    html: str
    text: str


def _default(value: Any, default_value: Any = "", boolean: bool = False) -> Any:
    """Like Jinja's `default`, but an empty string or None also counts as missing."""
    if isinstance(value, Undefined) or value is None or value == "" or (boolean and not value):
        return default_value
    return value


def _make_env(*, autoescape: bool) -> SandboxedEnvironment:
    env = SandboxedEnvironment(autoescape=autoescape, undefined=StrictUndefined, keep_trailing_newline=True)
    env.filters["default"] = _default
    env.filters["d"] = _default
    return env


_HTML_ENV = _make_env(autoescape=True)
_TEXT_ENV = _make_env(autoescape=False)


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


def validate_template(source: str | None, *, field: str, html: bool = False) -> None:
    """Raise ValidationFailed naming `field` and the line when `source` is not a valid template."""
    if not source:
        return
    env = _HTML_ENV if html else _TEXT_ENV
    try:
        env.parse(source)
    except TemplateSyntaxError as exc:
        message = f"{field}: template error on line {exc.lineno}: {exc.message}"
        raise ValidationFailed(
            message, details=[{"field": field, "line": exc.lineno, "message": exc.message or ""}]
        ) from None


class CompiledTemplate:
    """One template compiled once; `render` it per recipient."""

    def __init__(self, source: str, *, field: str, html: bool = False) -> None:
        try:
            validate_template(source, field=field, html=html)
        except ValidationFailed as exc:  # saved before validation existed: fail the send, readably
            raise RenderError(exc.message, details=exc.details) from None
        self.field = field
        self._template = (_HTML_ENV if html else _TEXT_ENV).from_string(source or "")

    def render(self, context: Mapping[str, Any]) -> str:
        try:
            return self._template.render(context)
        except UndefinedError as exc:
            raise RenderError(f"{self.field}: {_undefined_reason(exc)}") from None
        except SecurityError as exc:
            raise RenderError(f"{self.field}: not allowed in a template: {exc}") from None
        except TemplateError as exc:
            raise RenderError(f"{self.field}: {exc.message or exc.__class__.__name__}") from None
        except Exception as exc:  # noqa: BLE001 - a template's own runtime error (1/0, bad filter arg)
            raise RenderError(f"{self.field}: {exc.__class__.__name__}: {exc}") from None


def _undefined_reason(exc: UndefinedError) -> str:
    match = re.match(r"'(.+?)' is undefined", str(exc))
    if match:
        name = match.group(1)
        return (
            f"the variable '{name}' is not set for this contact "
            f"(use {{{{ {name} | default(\"...\") }}}} for a fallback)"
        )
    return str(exc)


class CompiledEmail:
    """Subject, HTML and optional text part of one email, compiled once."""

    def __init__(self, *, subject: str, html: str, text: str | None = None) -> None:
        self.subject = CompiledTemplate(subject, field="subject")
        self.html = CompiledTemplate(html, field="html", html=True)
        self.text = CompiledTemplate(text, field="text") if text else None

    def render(
        self, contact: Any, *, extra: Mapping[str, Any] | None = None, tags: Sequence[str] | None = None
    ) -> RenderedEmail:
        ctx = contact_context(contact, tags=tags, extra=extra)
        subject = " ".join(self.subject.render(ctx).split())  # no newlines in a header
        html = self.html.render(ctx)
        text = self.text.render(ctx) if self.text else html_to_text(html)
        return RenderedEmail(subject=subject, html=html, text=text)


class CompiledSms:
    def __init__(self, body: str) -> None:
        self.body = CompiledTemplate(body, field="body")

    def render(
        self, contact: Any, *, extra: Mapping[str, Any] | None = None, tags: Sequence[str] | None = None
    ) -> str:
        return self.body.render(contact_context(contact, tags=tags, extra=extra)).strip()


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
) -> RenderedEmail:
    return compile_email(subject, html, text or None).render(contact, extra=extra, tags=tags)


def render_sms(
    *, body: str, contact: Any, extra: Mapping[str, Any] | None = None, tags: Sequence[str] | None = None
) -> str:
    return compile_sms(body).render(contact, extra=extra, tags=tags)


def preview_email(
    *,
    subject: str,
    html: str,
    text: str | None = None,
    contact: Any = None,
    extra: Mapping[str, Any] | None = None,
) -> RenderedEmail:
    """Render with a real contact when given, else with a believable sample one."""
    return render_email(
        subject=subject,
        html=html,
        text=text,
        contact=SAMPLE_CONTACT if contact is None else contact,
        extra={**SAMPLE_EXTRA, **(extra or {})},
    )


def preview_sms(*, body: str, contact: Any = None, extra: Mapping[str, Any] | None = None) -> str:
    return render_sms(
        body=body, contact=SAMPLE_CONTACT if contact is None else contact, extra={**SAMPLE_EXTRA, **(extra or {})}
    )


preview = preview_email


# --- HTML to text --------------------------------------------------------------------------------

_BLOCK = {
    "p", "div", "br", "tr", "table", "section", "article", "header", "footer", "ul", "ol",
    "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "pre", "hr", "li",
}
_SKIP = {"script", "style", "head", "title"}


class _TextExtractor(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0
        self._links: list[tuple[str | None, int]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in _SKIP:
            self._skip += 1
        elif tag == "a":
            self._links.append((dict(attrs).get("href"), len(self.parts)))
        elif tag == "li":
            self.parts.append("\n- ")
        elif tag == "img":
            alt = dict(attrs).get("alt")
            if alt:
                self.parts.append(alt)
        elif tag in _BLOCK:
            self.parts.append("\n\n" if tag not in {"br", "tr"} else "\n")

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)

    def handle_endtag(self, tag: str) -> None:
        if tag in _SKIP:
            self._skip = max(0, self._skip - 1)
        elif tag == "a" and self._links:
            href, start = self._links.pop()
            label = " ".join("".join(self.parts[start:]).split())
            if href and not href.startswith(("#", "javascript:")) and href not in label:
                self.parts.append(f" ({href})" if label else href)
        elif tag in _BLOCK and tag not in {"br", "li"}:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(re.sub(r"\s+", " ", data))


def html_to_text(html: str) -> str:
    """A readable plain-text part: tags stripped, blocks on their own lines, link URLs kept."""
    parser = _TextExtractor()
    parser.feed(html)
    parser.close()
    text = "".join(parser.parts)
    lines = [" ".join(line.split()) for line in text.split("\n")]
    text = "\n".join(lines)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
