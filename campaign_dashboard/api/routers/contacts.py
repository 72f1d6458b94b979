"""/api/v1/contacts"""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import JSONResponse
from pydantic import BaseModel, Field
from starlette.datastructures import UploadFile as StarletteUploadFile
from starlette.types import Message

from campaign_dashboard.api.deps import Admin, PathId, Reader, SessionDep, Writer
from campaign_dashboard.api.errors import error_body
from campaign_dashboard.models import ApiToken, Contact, id_of
from campaign_dashboard.services.audience import consent, erasure, personal_data, subscriptions
from campaign_dashboard.services.audience import contacts as service
from campaign_dashboard.services.audience.consent import ConsentSource
from campaign_dashboard.services.audience.contacts import ContactCreate, ContactUpdate
from campaign_dashboard.services.audience.csv_import import CsvLimits, import_contacts_csv
from campaign_dashboard.services.errors import ValidationFailed
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
    unlisted_errors: int = 0
    kept_unsubscribed: int = Field(
        0, description="Rows whose contact stays unsubscribed or suppressed: an import never resubscribes anyone"
    )


class SubscriptionChange(BaseModel):
    channel: str
    reason: str | None = Field(
        None, max_length=500, description="Why: required when an admin lifts a hard bounce or a provider suppression"
    )


class ConsentEntryPublic(BaseModel):
    id: int
    contact_id: int | None
    channel: str = Field(description="email or sms")
    topic: str | None
    address: str = Field(description="The email address or phone number the change was about")
    event: str = Field(description="opted_in, confirmed, opted_out, resubscribed, suppressed or unsuppressed")
    source: str = Field(
        description="csv_import, api, dashboard, one_click_unsubscribe, mailto_unsubscribe, keyword,"
        " twilio_advanced_opt_out, provider_opt_out, bounce, complaint, provider_suppression, ..."
    )
    source_detail: str = Field(description="The import file, API token or dashboard user, the campaign or provider")
    occurred_at: datetime
    client_address: str | None = Field(description="The client's IP address, or the phone that texted")
    evidence: dict[str, Any] | None = Field(description="Keyword, link token, provider event or message ids, reason")


class ConsentEntriesPublic(BaseModel):
    items: list[ConsentEntryPublic]
    next_cursor: str | None


def _source(token: ApiToken, request: Request) -> ConsentSource:
    return ConsentSource.api_token(token, client_address=request.client.host if request.client else None)


def _public(session, contact: Contact) -> ContactPublic:
    contact_id = id_of(contact)
    tags = service.tags_of(session=session, contact_ids=[contact_id]).get(contact_id, [])
    return ContactPublic.of(contact, tags)


@router.get("", response_model=ContactsPublic)
def list_contacts(
    session: SessionDep,
    _: Reader,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    search: Annotated[
        str | None,
        Query(
            description="Contacts whose email, name or phone contains this text, in any case; one or"
            " two characters find the emails and first or last names that start with it."
        ),
    ] = None,
) -> ContactsPublic:
    page = service.list_contacts(session=session, cursor=cursor, limit=limit, search=search)
    items = [ContactPublic.of(c, page.tags.get(id_of(c), [])) for c in page.items]
    return ContactsPublic(items=items, next_cursor=page.next_cursor)


@router.post("", response_model=ContactPublic, status_code=201)
def create_contact(body: ContactCreate, request: Request, session: SessionDep, token: Writer) -> ContactPublic:
    """Each address of the new contact opts in, recorded in its consent ledger with this token as
    the source; an address that is suppressed stays unsubscribed."""
    return _public(session, service.create_contact(session=session, data=body, source=_source(token, request)))


MULTIPART_ALLOWANCE = 64 * 1024  # the form's boundaries and part headers around the file
UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                }
            }
        },
    }
}


class _TooLarge(Exception):
    pass


@router.post(
    "/import",
    response_model=ImportPublic,
    openapi_extra=UPLOAD_BODY,
    responses={413: {"description": "The file is over the size limit (CSV_IMPORT_MAX_BYTES)"}},
)
async def import_contacts(request: Request, session: SessionDep, token: Writer) -> Any:
    """Upload a CSV as the multipart field `file` (header row; columns email, phone, first_name,
    last_name, timezone, tags, and any others become attributes). Bad rows are listed by line
    number (the first 1,000; `unlisted_errors` counts the rest); a bad file changes nothing.
    New contacts opt in with the file and this token as the consent source; an import never
    resubscribes a contact or a suppressed address (`kept_unsubscribed` counts those rows).

    The body is refused with 413 as soon as it passes the size limit, with or without a
    Content-Length: a chunked upload is never read whole first."""
    limits = CsvLimits.from_settings()
    try:
        form = await _limited(request, limits.max_bytes + MULTIPART_ALLOWANCE).form(max_files=1, max_fields=10)
    except _TooLarge:
        message = limits.too_large()
        return JSONResponse(error_body("too_large", message, [{"field": "file", "message": message}]), 413)
    upload = form.get("file")
    try:
        if not isinstance(upload, StarletteUploadFile):
            raise ValidationFailed(
                "Send the CSV file as the multipart form field 'file'.",
                details=[{"field": "file", "message": "required"}],
            )
        source = _source(token, request).importing(upload.filename)
        result = await run_in_threadpool(
            lambda: import_contacts_csv(session=session, data=upload.file, source=source, limits=limits)
        )
    finally:
        await form.close()
    return ImportPublic(
        imported=result.imported,
        updated=result.updated,
        rejected=result.rejected,
        errors=[ImportErrorPublic(**e) for e in result.errors],
        unlisted_errors=result.unlisted,
        kept_unsubscribed=result.kept_unsubscribed,
    )


def _limited(request: Request, max_bytes: int) -> Request:
    """The request, reading its body through a counter that stops at `max_bytes`."""
    declared = request.headers.get("content-length", "")
    received = 0

    async def receive() -> Message:
        nonlocal received
        if declared.isdigit() and int(declared) > max_bytes:
            raise _TooLarge
        message = await request.receive()
        if message["type"] == "http.request":
            received += len(message.get("body", b""))
            if received > max_bytes:
                raise _TooLarge
        return message

    return Request(request.scope, receive)


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
    contact_id: PathId, body: SubscriptionChange, request: Request, session: SessionDep, token: Writer
) -> ContactPublic:
    contact = subscriptions.unsubscribe(
        session=session, contact_id=contact_id, channel=body.channel, source=_source(token, request)
    )
    return _public(session, contact)


@router.post(
    "/{contact_id}/resubscribe",
    response_model=ContactPublic,
    responses={
        409: {
            "description": "The rules refuse it, and the message says why: the contact texted STOP (only START from"
            " the phone lifts it), complained (only a confirmed double opt-in), used the unsubscribe link (only"
            " the contact), or bounced hard (only an admin, with a reason)"
        }
    },
)
def resubscribe(
    contact_id: PathId, body: SubscriptionChange, request: Request, session: SessionDep, token: Writer
) -> ContactPublic:
    contact = subscriptions.resubscribe(
        session=session, contact_id=contact_id, channel=body.channel, source=_source(token, request), reason=body.reason
    )
    return _public(session, contact)


@router.get("/{contact_id}/consent", response_model=ConsentEntriesPublic)
def consent_history(
    contact_id: PathId,
    session: SessionDep,
    _: Reader,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> ConsentEntriesPublic:
    """The contact's consent ledger, newest first: every change of its email/SMS permission, with
    its source and evidence. Paginated like every list (`next_cursor`)."""
    contact = service.get_contact(session=session, contact_id=contact_id)
    page = consent.list_entries(session=session, contact=contact, cursor=cursor, limit=limit)
    return ConsentEntriesPublic(
        items=[ConsentEntryPublic(**entry.model_dump()) for entry in page.items], next_cursor=page.next_cursor
    )


class ErasureConfirm(BaseModel):
    confirm: str = Field(max_length=320, description="The contact's email address (or phone, if it has no email)")


class ErasurePublic(BaseModel):
    contact_id: int
    channels: list[str] = Field(description="The channels whose address now has a tombstone (stays suppressed)")
    messages: int
    texts: int
    events: int
    replies: int
    consent_entries: int


@router.get(
    "/{contact_id}/export",
    response_model=dict[str, Any],
    responses={200: {"description": "Everything held about the contact, as a JSON file (admins only)"}},
)
def export_personal_data(contact_id: PathId, session: SessionDep, _: Admin) -> Response:
    """GDPR export: the contact, its consent ledger and suppressions, every email and text it was
    sent with their events, and its replies. Recorded in the audit log (`contact.export`)."""
    contact = service.get_contact(session=session, contact_id=contact_id)
    return Response(
        personal_data.export_json(session=session, contact=contact),
        media_type="application/json",
        headers={"Content-Disposition": f'attachment; filename="{personal_data.file_name(contact)}"'},
    )


@router.post("/{contact_id}/erase", response_model=ErasurePublic)
def erase(contact_id: PathId, body: ErasureConfirm, session: SessionDep, _: Admin) -> ErasurePublic:
    """GDPR erasure, irreversible: `confirm` must repeat the contact's email (or phone). The
    contact and every personal field about it go; counters stay, and each address leaves a hashed
    tombstone so it is added back unsubscribed. Recorded in the audit log (`contact.erase`)."""
    contact = service.get_contact(session=session, contact_id=contact_id)
    erasure.check_confirmation(contact, body.confirm)
    done = erasure.erase_contact(session=session, contact=contact)
    return ErasurePublic(**asdict(done))
