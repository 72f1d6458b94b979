"""Resend contacts and segments endpoints (and the legacy `/audiences` names for segments).

Only what segment mirroring needs: create/list/get/rename/delete segments, create/get/update/delete
contacts (by id or email), add/remove a contact to/from a segment, list either side.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request, Response

from .contacts import segment_ids
from .errors import json_response, resend_error
from .guards import EmulatorDep, ResendGuard
from .resend_api import valid_address
from .runtime import Emulator

router = APIRouter(tags=["resend"])


def _listing(items: list[dict[str, Any]], headers: dict[str, str]) -> Response:
    return json_response({"object": "list", "has_more": False, "data": items}, headers=headers)


def _contact(emu: Emulator, id_or_email: str, headers: dict[str, str]) -> dict[str, Any]:
    contact = emu.directory.find(id_or_email)
    if contact is None:
        raise resend_error(404, "not_found", "Contact not found", headers)
    return contact


def _segment(emu: Emulator, segment_id: str, headers: dict[str, str]) -> dict[str, Any]:
    segment = emu.directory.segments.get(segment_id)
    if segment is None:
        raise resend_error(404, "not_found", "Segment not found", headers)
    return segment


async def _fields(request: Request, headers: dict[str, str]) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        body = None
    if not isinstance(body, dict):
        raise resend_error(422, "validation_error", "The request body must be a JSON object.", headers)
    return body


@router.post("/segments")
@router.post("/audiences")
async def create_segment(request: Request, emu: EmulatorDep, headers: ResendGuard) -> Response:
    name = (await _fields(request, headers)).get("name")
    if not name:
        raise resend_error(422, "missing_required_field", "Missing `name` field.", headers)
    segment = emu.directory.create_segment(name)
    return json_response({"object": "segment", "id": segment["id"], "name": name}, 201, headers)


@router.get("/segments")
@router.get("/audiences")
async def list_segments(emu: EmulatorDep, headers: ResendGuard) -> Response:
    return _listing(list(emu.directory.segments.values()), headers)


@router.get("/segments/{segment_id}")
@router.get("/audiences/{segment_id}")
async def get_segment(segment_id: str, emu: EmulatorDep, headers: ResendGuard) -> Response:
    return json_response(_segment(emu, segment_id, headers), headers=headers)


@router.patch("/segments/{segment_id}")
async def rename_segment(segment_id: str, request: Request, emu: EmulatorDep, headers: ResendGuard) -> Response:
    _segment(emu, segment_id, headers)
    name = (await _fields(request, headers)).get("name")
    if not name:
        raise resend_error(422, "missing_required_field", "Missing `name` field.", headers)
    emu.directory.rename_segment(segment_id, name)
    return json_response({"object": "segment", "id": segment_id}, headers=headers)


@router.delete("/segments/{segment_id}")
@router.delete("/audiences/{segment_id}")
async def delete_segment(segment_id: str, emu: EmulatorDep, headers: ResendGuard) -> Response:
    """Like Resend: deleting a segment that does not exist (any more) also answers `deleted: true`."""
    if segment_id in emu.directory.segments:
        emu.directory.delete_segment(segment_id)
    return json_response({"object": "segment", "id": segment_id, "deleted": True}, headers=headers)


@router.get("/segments/{segment_id}/contacts")
@router.get("/audiences/{segment_id}/contacts")
async def segment_contacts(segment_id: str, emu: EmulatorDep, headers: ResendGuard) -> Response:
    _segment(emu, segment_id, headers)
    return _listing(emu.directory.segment_contacts(segment_id), headers)


@router.post("/contacts")
async def create_contact(request: Request, emu: EmulatorDep, headers: ResendGuard) -> Response:
    fields = await _fields(request, headers)
    if not valid_address(fields.get("email")):
        raise resend_error(422, "validation_error", "Invalid `email` field.", headers)
    for segment_id in segment_ids(fields):
        _segment(emu, segment_id, headers)
    contact = emu.directory.upsert_contact(fields)
    return json_response({"object": "contact", "id": contact["id"]}, 201, headers)


@router.post("/audiences/{segment_id}/contacts")
async def create_segment_contact(segment_id: str, request: Request, emu: EmulatorDep, headers: ResendGuard) -> Response:
    _segment(emu, segment_id, headers)
    fields = await _fields(request, headers)
    if not valid_address(fields.get("email")):
        raise resend_error(422, "validation_error", "Invalid `email` field.", headers)
    contact = emu.directory.upsert_contact({**fields, "segments": [segment_id]})
    return json_response({"object": "contact", "id": contact["id"]}, 201, headers)


@router.get("/contacts/{id_or_email}")
async def get_contact(id_or_email: str, emu: EmulatorDep, headers: ResendGuard) -> Response:
    return json_response(_contact(emu, id_or_email, headers), headers=headers)


@router.patch("/contacts/{id_or_email}")
async def update_contact(id_or_email: str, request: Request, emu: EmulatorDep, headers: ResendGuard) -> Response:
    contact = _contact(emu, id_or_email, headers)
    fields = await _fields(request, headers)
    emu.directory.upsert_contact({**fields, "email": contact["email"]})
    return json_response({"object": "contact", "id": contact["id"]}, headers=headers)


@router.delete("/contacts/{id_or_email}")
async def delete_contact(id_or_email: str, emu: EmulatorDep, headers: ResendGuard) -> Response:
    """Like Resend: deleting an unknown contact also answers `deleted: true`."""
    contact = emu.directory.find(id_or_email)
    if contact is not None:
        emu.directory.delete_contact(contact["id"])
    return json_response(
        {"object": "contact", "id": contact["id"] if contact else id_or_email, "deleted": True}, headers=headers
    )


@router.get("/contacts/{id_or_email}/segments")
async def contact_segments(id_or_email: str, emu: EmulatorDep, headers: ResendGuard) -> Response:
    contact = _contact(emu, id_or_email, headers)
    return _listing(emu.directory.contact_segments(contact["id"]), headers)


@router.post("/contacts/{id_or_email}/segments/{segment_id}")
async def add_to_segment(id_or_email: str, segment_id: str, emu: EmulatorDep, headers: ResendGuard) -> Response:
    contact = _contact(emu, id_or_email, headers)
    _segment(emu, segment_id, headers)
    emu.directory.add(contact["id"], segment_id)
    return json_response(
        {"object": "contact_segment", "contact_id": contact["id"], "segment_id": segment_id}, headers=headers
    )


@router.delete("/contacts/{id_or_email}/segments/{segment_id}")
async def remove_from_segment(id_or_email: str, segment_id: str, emu: EmulatorDep, headers: ResendGuard) -> Response:
    contact = _contact(emu, id_or_email, headers)
    _segment(emu, segment_id, headers)
    emu.directory.remove(contact["id"], segment_id)
    return json_response(
        {"object": "contact_segment", "contact_id": contact["id"], "segment_id": segment_id, "deleted": True},
        headers=headers,
    )
