"""/api/v1/contacts"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Response, UploadFile
from pydantic import BaseModel

from campaign_dashboard.api.deps import PathId, Reader, SessionDep, Writer
from campaign_dashboard.models import Contact
from campaign_dashboard.services import contacts as service
from campaign_dashboard.services.contacts import ContactCreate, ContactUpdate
from campaign_dashboard.services.csv_import import MAX_FILE_BYTES, import_contacts_csv
from campaign_dashboard.services.pagination import MAX_LIMIT

router = APIRouter(prefix="/api/v1/contacts", tags=["contacts"])


class ContactPublic(BaseModel):
    id: int
    email: str | None
    phone: str | None
    first_name: str
    last_name: str
    timezone: str
    attributes: dict[str, Any]
    tags: list[str]
    email_status: str
    sms_status: str
    created_at: datetime
    updated_at: datetime

    @classmethod
    def of(cls, contact: Contact, tags: list[str]) -> ContactPublic:
        return cls(**contact.model_dump(), tags=tags)


class ContactsPublic(BaseModel):
    items: list[ContactPublic]
    next_cursor: str | None


class ImportErrorPublic(BaseModel):
    row: int
    reason: str


class ImportPublic(BaseModel):
    imported: int
    updated: int
    rejected: int
    errors: list[ImportErrorPublic]


class SubscriptionChange(BaseModel):
    channel: str


def _public(session, contact: Contact) -> ContactPublic:
    tags = service.tags_of(session=session, contact_ids=[contact.id]).get(contact.id, [])
    return ContactPublic.of(contact, tags)


@router.get("", response_model=ContactsPublic)
def list_contacts(
    session: SessionDep,
    _: Reader,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    search: str | None = None,
) -> ContactsPublic:
    page = service.list_contacts(session=session, cursor=cursor, limit=limit, search=search)
    items = [ContactPublic.of(c, page.tags.get(c.id, [])) for c in page.items]
    return ContactsPublic(items=items, next_cursor=page.next_cursor)


@router.post("", response_model=ContactPublic, status_code=201)
def create_contact(body: ContactCreate, session: SessionDep, _: Writer) -> ContactPublic:
    return _public(session, service.create_contact(session=session, data=body))


@router.post("/import", response_model=ImportPublic)
def import_contacts(file: UploadFile, session: SessionDep, _: Writer) -> ImportPublic:
    """Upload a CSV (header row; columns email, phone, first_name, last_name, timezone, tags, and
    any others become attributes). Bad rows are listed by line number; a bad file changes nothing."""
    data = file.file.read(MAX_FILE_BYTES + 1)  # one byte over is enough to refuse it
    result = import_contacts_csv(session=session, data=data)
    return ImportPublic(
        imported=result.imported,
        updated=result.updated,
        rejected=result.rejected,
        errors=[ImportErrorPublic(**e) for e in result.errors],
    )


@router.get("/{contact_id}", response_model=ContactPublic)
def get_contact(contact_id: PathId, session: SessionDep, _: Reader) -> ContactPublic:
    return _public(session, service.get_contact(session=session, contact_id=contact_id))


@router.patch("/{contact_id}", response_model=ContactPublic)
def update_contact(contact_id: PathId, body: ContactUpdate, session: SessionDep, _: Writer) -> ContactPublic:
    contact = service.update_contact(session=session, contact_id=contact_id, data=body)
    return _public(session, contact)


@router.delete("/{contact_id}", status_code=204)
def delete_contact(contact_id: PathId, session: SessionDep, _: Writer) -> Response:
    service.delete_contact(session=session, contact_id=contact_id)
    return Response(status_code=204)


@router.post("/{contact_id}/unsubscribe", response_model=ContactPublic)
def unsubscribe(
    contact_id: PathId, body: SubscriptionChange, session: SessionDep, _: Writer
) -> ContactPublic:
    contact = service.unsubscribe(session=session, contact_id=contact_id, channel=body.channel)
    return _public(session, contact)


@router.post("/{contact_id}/resubscribe", response_model=ContactPublic)
def resubscribe(
    contact_id: PathId, body: SubscriptionChange, session: SessionDep, _: Writer
) -> ContactPublic:
    contact = service.resubscribe(session=session, contact_id=contact_id, channel=body.channel)
    return _public(session, contact)
