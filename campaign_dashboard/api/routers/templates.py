"""/api/v1/templates: reusable email templates and their rendered preview."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Body, Query, Response
from pydantic import BaseModel, ConfigDict

from campaign_dashboard.api.deps import PathId, Reader, SessionDep, Writer
from campaign_dashboard.api.patch_bodies import patch_body, sent_fields
from campaign_dashboard.models import EmailTemplate
from campaign_dashboard.services.campaigns import templates as service
from campaign_dashboard.services.campaigns.rendering import RenderedEmail
from campaign_dashboard.services.limits import Id
from campaign_dashboard.services.pagination import MAX_LIMIT

router = APIRouter(prefix="/api/v1/templates", tags=["templates"])


class TemplateCreate(BaseModel):
    model_config = ConfigDict(extra="forbid")

    name: str
    subject: str = ""
    html: str
    text: str = ""


TemplateUpdate = patch_body(TemplateCreate)


class TemplatePublic(BaseModel):
    id: int
    name: str
    subject: str
    html: str
    text: str
    created_at: datetime
    updated_at: datetime


class TemplatesPage(BaseModel):
    items: list[TemplatePublic]
    next_cursor: str | None


class PreviewContact(BaseModel):
    """Render for this contact instead of the sample one."""

    model_config = ConfigDict(extra="forbid")

    contact_id: Id | None = None


class PreviewSource(PreviewContact):
    subject: str = ""
    html: str
    text: str | None = None


class Preview(BaseModel):
    subject: str
    html: str
    text: str

    @classmethod
    def of(cls, rendered: RenderedEmail) -> Preview:
        return cls(subject=rendered.subject, html=rendered.html, text=rendered.text)


def _public(template: EmailTemplate) -> TemplatePublic:
    return TemplatePublic(**template.model_dump())


@router.get("", response_model=TemplatesPage)
def list_templates(
    session: SessionDep,
    _: Reader,
    search: str | None = None,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> TemplatesPage:
    page = service.list_templates(session=session, search=search, cursor=cursor, limit=limit)
    return TemplatesPage(items=[_public(t) for t in page.items], next_cursor=page.next_cursor)


@router.post("", response_model=TemplatePublic, status_code=201)
def create_template(body: TemplateCreate, session: SessionDep, _: Writer) -> TemplatePublic:
    return _public(service.create_template(session=session, data=body.model_dump()))


@router.post("/preview", response_model=Preview)
def preview_source(body: PreviewSource, session: SessionDep, _: Reader) -> Preview:
    """Render unsaved template source (the editor's live preview)."""
    return Preview.of(
        service.preview_source(
            session=session, subject=body.subject, html=body.html, text=body.text, contact_id=body.contact_id
        )
    )


@router.get("/{template_id}", response_model=TemplatePublic)
def get_template(template_id: PathId, session: SessionDep, _: Reader) -> TemplatePublic:
    return _public(service.get_template(session=session, template_id=template_id))


@router.patch("/{template_id}", response_model=TemplatePublic)
def update_template(
    template_id: PathId,
    body: TemplateUpdate,  # type: ignore[valid-type]  # a model made by patch_body: no type to mypy
    session: SessionDep,
    _: Writer,
) -> TemplatePublic:
    changes = sent_fields(body)
    return _public(service.update_template(session=session, template_id=template_id, changes=changes))


@router.delete("/{template_id}", status_code=204)
def delete_template(template_id: PathId, session: SessionDep, _: Writer) -> Response:
    service.delete_template(session=session, template_id=template_id)
    return Response(status_code=204)


@router.post("/{template_id}/preview", response_model=Preview)
def preview_template(
    template_id: PathId, session: SessionDep, _: Reader, body: Annotated[PreviewContact | None, Body()] = None
) -> Preview:
    contact_id = body.contact_id if body else None
    return Preview.of(service.preview_template(session=session, template_id=template_id, contact_id=contact_id))
