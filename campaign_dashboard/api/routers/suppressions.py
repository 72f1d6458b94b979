"""/api/v1/suppressions"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any

from fastapi import APIRouter, Query, Request, Response
from fastapi.responses import StreamingResponse
from pydantic import BaseModel, ConfigDict, Field

from campaign_dashboard.api.deps import PathId, Reader, SessionDep, Writer
from campaign_dashboard.models import ApiToken, Suppression
from campaign_dashboard.services.audience import suppression_list as service
from campaign_dashboard.services.audience.consent import ConsentSource
from campaign_dashboard.services.audience.suppression_list import SuppressionFilter
from campaign_dashboard.services.pagination import MAX_LIMIT

router = APIRouter(prefix="/api/v1/suppressions", tags=["suppressions"])

SEARCH = Query(description="A part of the address (email or E.164 phone number)", max_length=320)
CHANNEL = Query(description="email or sms; empty for both", max_length=10)
REFUSALS: dict[int | str, dict[str, Any]] = {
    409: {
        "description": "The rules refuse it, and the message says why: the number texted STOP (only START from the"
        " phone lifts it), the contact complained (only a confirmed double opt-in) or used the unsubscribe link"
        " (only the contact), or the address bounced hard or the provider suppressed it (only an admin, with a"
        " reason)"
    }
}


class SuppressionPublic(BaseModel):
    id: int
    channel: str = Field(description="email or sms")
    address: str = Field(description="The email address (lowercase) or the phone number (E.164)")
    reason: str = Field(
        description="Why: the reason staff gave, or hard_bounce, complaint, unsubscribe, provider_suppressed,"
        " sms_opt_out"
    )
    source: str = Field(description="Who or what added it: an API token, a dashboard user, a webhook or a send")
    created_at: datetime


class SuppressionsPublic(BaseModel):
    items: list[SuppressionPublic]
    next_cursor: str | None


class SuppressionAdd(BaseModel):
    model_config = ConfigDict(extra="forbid")

    channel: str = Field(max_length=10, description="email or sms")
    address: str = Field(max_length=320, description="An email address, or a phone number (+country code)")
    reason: str = Field(max_length=service.MAX_REASON, description="Why no campaign may reach the address")


class SuppressionRemove(BaseModel):
    model_config = ConfigDict(extra="forbid")

    reason: str = Field(max_length=service.MAX_REMOVE_REASON, description="Why the address may be messaged again")


def _source(token: ApiToken, request: Request) -> ConsentSource:
    return ConsentSource.api_token(token, client_address=request.client.host if request.client else None)


def _public(row: Suppression) -> SuppressionPublic:
    return SuppressionPublic(**row.model_dump())


@router.get("", response_model=SuppressionsPublic)
def list_suppressions(
    session: SessionDep,
    _: Reader,
    search: Annotated[str, SEARCH] = "",
    channel: Annotated[str, CHANNEL] = "",
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
) -> SuppressionsPublic:
    """Suppressed addresses, newest first, optionally of one channel and containing `search`;
    paginated like every list (`next_cursor`)."""
    filters = SuppressionFilter(search=search, channel=channel)
    page = service.search_suppressions(session=session, filters=filters, cursor=cursor, limit=limit)
    return SuppressionsPublic(items=[_public(row) for row in page.items], next_cursor=page.next_cursor)


@router.post(
    "",
    response_model=SuppressionPublic,
    status_code=201,
    responses={200: {"model": SuppressionPublic, "description": "The address was suppressed already: its row"}},
)
def add_suppression(
    body: SuppressionAdd, request: Request, response: Response, session: SessionDep, token: Writer
) -> SuppressionPublic:
    """Suppress an address: no campaign reaches it, its contacts are unsubscribed on that channel,
    and the consent ledger records this token and the reason."""
    row, new = service.suppress_address(
        session=session, channel=body.channel, address=body.address, reason=body.reason, source=_source(token, request)
    )
    if not new:
        response.status_code = 200
    return _public(row)


@router.post("/{suppression_id}/remove", response_model=SuppressionPublic, responses=REFUSALS)
def remove_suppression(
    suppression_id: PathId, body: SuppressionRemove, request: Request, session: SessionDep, token: Writer
) -> SuppressionPublic:
    """Lift a suppression where the rules allow it: its contacts get the channel back, and the
    ledger records this token and the reason. Returns the removed row."""
    row = service.lift_suppression(
        session=session, suppression_id=suppression_id, reason=body.reason, source=_source(token, request)
    )
    return _public(row)


@router.get(
    "/export",
    response_class=StreamingResponse,
    responses={200: {"content": {"text/csv": {}}, "description": "channel,address,reason,source,created_at"}},
)
def export_suppressions(
    session: SessionDep,
    _: Reader,
    search: Annotated[str, SEARCH] = "",
    channel: Annotated[str, CHANNEL] = "",
) -> StreamingResponse:
    """The matching suppressions as CSV, oldest first, streamed (recorded in the audit log)."""
    filters = SuppressionFilter(search=search, channel=channel)
    filters.conditions()  # a bad filter is a 422 before anything is sent

    return StreamingResponse(
        service.export_suppressions(session=session, filters=filters),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="suppressions.csv"'},
    )
