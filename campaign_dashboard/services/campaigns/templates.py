"""Reusable email templates: validated when saved, previewed with a sample or a real contact.

A template used by a campaign that is sending or paused is frozen (editing it would change mail
mid-campaign), and a template any campaign refers to cannot be deleted.

Saving renders the content once for the sample contact (bounded: see services.rendering), and
that render, like a preview's, runs outside any database transaction: on SQLite a transaction
holds the write lock, and a slow template must not hold up the workers.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import func
from sqlalchemy.exc import IntegrityError
from sqlmodel import Session, col, select

from campaign_dashboard.models import (
    CampaignStatus,
    Contact,
    ContactTag,
    EmailCampaign,
    EmailTemplate,
    utcnow,
)
from campaign_dashboard.services.campaigns import rendering
from campaign_dashboard.services.errors import Conflict, NotFound, ValidationFailed
from campaign_dashboard.services.limits import MAX_HTML_CHARS, MAX_TEXT_CHARS, check_length, check_single_line
from campaign_dashboard.services.pagination import Page, page_of
from campaign_dashboard.services.rows import get_row

FIELDS = ("name", "subject", "html", "text")
FROZEN_WHILE = (CampaignStatus.SENDING, CampaignStatus.PAUSED)


def _clean(data: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(data) - set(FIELDS))
    if unknown:
        raise ValidationFailed(
            f"Unknown template field(s): {', '.join(unknown)}.",
            details=[{"field": f, "message": "unknown field"} for f in unknown],
        )
    cleaned = {k: ("" if v is None else str(v)) for k, v in data.items()}
    if "name" in cleaned:
        cleaned["name"] = cleaned["name"].strip()
    return cleaned


def _validate(template: EmailTemplate) -> None:
    _validate_name(template.name)
    _validate_content(template.subject, template.html, template.text)


def _validate_name(name: str) -> None:
    if not name:
        raise ValidationFailed("A template needs a name.", details=[{"field": "name", "message": "required"}])
    if len(name) > 200:
        raise ValidationFailed(
            "The name is too long (200 characters at most).", details=[{"field": "name", "message": "too long"}]
        )
    check_single_line("name", name)


def _validate_content(subject: str | None, html: str | None, text: str | None) -> None:
    if not (html or "").strip():
        raise ValidationFailed("A template needs HTML content.", details=[{"field": "html", "message": "required"}])
    _check_bounds(subject=subject, html=html, text=text)
    rendering.validate_template(subject, field="subject")
    rendering.validate_template(html, field="html", html=True)
    rendering.validate_template(text, field="text")


def _end_read(session: Session) -> None:
    """End the transaction a read opened, before rendering (see the module's docstring)."""
    session.commit()


def _check_bounds(*, subject: str | None, html: str | None, text: str | None) -> None:
    """The sizes README documents; the subject becomes a header, so it stays on one line."""
    check_length("subject", subject, 500)
    check_single_line("subject", subject)
    check_length("html", html, MAX_HTML_CHARS)
    check_length("text", text, MAX_TEXT_CHARS)


def _ensure_unique_name(session: Session, name: str, exclude_id: int | None = None) -> None:
    # Both sides through the database's lower(): SQLite folds only ASCII, so comparing with
    # Python's str.lower() let "Ü" pass the check and fail the unique index instead.
    query = select(col(EmailTemplate.id)).where(func.lower(col(EmailTemplate.name)) == func.lower(name))
    if exclude_id is not None:
        query = query.where(col(EmailTemplate.id) != exclude_id)
    if session.exec(query).first() is not None:
        raise Conflict(
            f"A template named {name!r} already exists.", details=[{"field": "name", "message": "already taken"}]
        )


def get_template(*, session: Session, template_id: int) -> EmailTemplate:
    return get_row(session, EmailTemplate, template_id, "Template")


def list_templates(
    *, session: Session, search: str | None = None, cursor: str | None = None, limit: int = 50
) -> Page[EmailTemplate]:
    """Templates newest first, keyset-paginated."""
    query = select(EmailTemplate)
    if search:
        query = query.where(func.lower(col(EmailTemplate.name)).contains(search.lower(), autoescape=True))
    return page_of(session, query, id_column=col(EmailTemplate.id), cursor=cursor, limit=limit, newest_first=True)


def create_template(*, session: Session, data: Mapping[str, Any]) -> EmailTemplate:
    template = EmailTemplate(**_clean(data))
    _validate(template)
    _ensure_unique_name(session, template.name)
    session.add(template)
    _commit(session, template)
    return template


def update_template(*, session: Session, template_id: int, changes: Mapping[str, Any]) -> EmailTemplate:
    template = get_template(session=session, template_id=template_id)
    changes = _clean(changes)
    content_changes = {k for k in changes if k != "name" and changes[k] != getattr(template, k)}
    if content_changes:
        busy = _campaign_names(session, template_id, FROZEN_WHILE)
        if busy:
            raise Conflict(
                f"This template is in use by a campaign that is sending or paused ({busy}); "
                "its content is frozen until that campaign ends. Duplicate the template to change it."
            )
    merged = {k: changes.get(k, getattr(template, k)) for k in FIELDS}
    _validate_name(merged["name"])
    if content_changes:
        _end_read(session)
        _validate_content(merged["subject"], merged["html"], merged["text"])
    for key, value in changes.items():
        setattr(template, key, value)
    if "name" in changes:
        _ensure_unique_name(session, template.name, exclude_id=template.id)
    template.updated_at = utcnow()
    session.add(template)
    _commit(session, template)
    return template


def delete_template(*, session: Session, template_id: int) -> None:
    template = get_template(session=session, template_id=template_id)
    users = _campaign_names(session, template_id, None)
    if users:
        raise Conflict(f"This template is used by campaign(s) {users}; it cannot be deleted.")
    session.delete(template)
    session.commit()


def _campaign_names(session: Session, template_id: int, statuses: tuple[str, ...] | None) -> str:
    query = select(col(EmailCampaign.name)).where(col(EmailCampaign.template_id) == template_id).limit(3)
    if statuses is not None:
        query = query.where(col(EmailCampaign.status).in_([str(s) for s in statuses]))
    return ", ".join(repr(n) for n in session.exec(query).all())


def preview_template(
    *, session: Session, template_id: int, contact_id: int | None = None, extra: Mapping[str, Any] | None = None
) -> rendering.RenderedEmail:
    """The saved template rendered for a real contact (when given) or the sample contact."""
    template = get_template(session=session, template_id=template_id)
    subject, html, text = template.subject, template.html, template.text
    _end_read(session)
    return preview_source(session=session, subject=subject, html=html, text=text, contact_id=contact_id, extra=extra)


def preview_source(
    *,
    session: Session,
    subject: str,
    html: str,
    text: str | None = None,
    contact_id: int | None = None,
    extra: Mapping[str, Any] | None = None,
) -> rendering.RenderedEmail:
    """Unsaved template source rendered the same way (syntax errors name the field and line)."""
    _check_bounds(subject=subject, html=html, text=text)
    rendering.validate_template(subject, field="subject")
    rendering.validate_template(html, field="html", html=True)
    rendering.validate_template(text, field="text")
    context = None
    if contact_id is not None:
        contact = session.get(Contact, contact_id)
        if contact is None:
            raise NotFound(f"Contact {contact_id} does not exist.")
        tags = contact_tags(session=session, contact_id=contact_id)
        context = rendering.contact_context(contact, tags=tags)
        _end_read(session)
    return rendering.preview_email(subject=subject, html=html, text=text or None, contact=context, extra=extra)


def contact_tags(*, session: Session, contact_id: int) -> list[str]:
    query = select(col(ContactTag.tag)).where(col(ContactTag.contact_id) == contact_id).order_by(col(ContactTag.tag))
    return list(session.exec(query).all())


def _commit(session: Session, row: object) -> None:
    """Reload `row` inside the transaction, then commit: leaves no transaction open afterwards
    (on SQLite even a read holds the write lock until it ends)."""
    try:
        session.flush()
    except IntegrityError:  # a template of the same name was saved between the check and here
        session.rollback()
        raise Conflict(
            "A template with this name already exists.", details=[{"field": "name", "message": "already taken"}]
        ) from None
    session.refresh(row)
    session.commit()
