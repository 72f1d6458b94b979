"""The routes both campaign routers share: list, CRUD, lifecycle actions, recipients, stats and progress.

`add_campaign_routes` registers them on a channel's router; each channel module only declares its
request and response shapes. Routes stay thin: reads call `services.campaigns`; create, edit and
the lifecycle actions go through `campaigns.commands` with the process's queue from
`campaign_dashboard.wiring`, which also queues the send work.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, get_type_hints

from fastapi import APIRouter, Body, Query, Response
from pydantic import BaseModel, ConfigDict, Field, create_model

from campaign_dashboard.api.ab_test_routes import add_ab_test_routes
from campaign_dashboard.api.campaign_progress import add_progress_route
from campaign_dashboard.api.deps import PathId, Reader, SessionDep, Writer
from campaign_dashboard.api.patch_bodies import patch_body, sent_fields
from campaign_dashboard.models import Channel
from campaign_dashboard.services import campaigns as service
from campaign_dashboard.services import stats
from campaign_dashboard.services.campaigns import commands, follow_ups
from campaign_dashboard.services.campaigns.lifecycle import USER_ACTIONS, Action
from campaign_dashboard.services.limits import Id
from campaign_dashboard.services.pagination import MAX_LIMIT
from campaign_dashboard.wiring import campaign_queue

# The headline numbers: the fields of `stats.StatsSummary` the API returns, so a counter added to
# the models shows up here too.
_SUMMARY_TYPES = get_type_hints(stats.StatsSummary)
_STATS_FIELDS: dict[str, Any] = {name: (_SUMMARY_TYPES[name], ...) for name in stats.API_FIELDS}
CampaignStats = create_model(
    "CampaignStats",
    __doc__="The headline numbers, from the campaign's counter columns.",
    __module__=__name__,
    **_STATS_FIELDS,
)


class CampaignPublic(CampaignStats):
    """What every campaign read carries (its stats and these); the channel modules add their content fields."""

    id: int
    channel: str
    name: str
    status_reason: str | None
    allowed_actions: list[str]
    can_edit: bool
    can_delete: bool
    can_archive: bool
    segment_id: int | None
    scheduled_at: datetime | None
    started_at: datetime | None
    completed_at: datetime | None
    archived_at: datetime | None
    created_at: datetime
    updated_at: datetime
    last_activity_at: datetime
    follow_up_of: int | None = None
    follow_up_audience: str | None = None
    # The reputation breaker: "tripped" (it paused the campaign; status_reason says why),
    # "overridden" (a person resumed it after that), null (still watching, or never applies).
    breaker: str | None = None
    # The frequency cap (FREQUENCY_CAP_MESSAGES per FREQUENCY_CAP_DAYS): whether this campaign
    # ignores it, and how many recipients it skipped when the campaign started.
    ignore_frequency_cap: bool = False
    frequency_capped: int = 0
    # Send at a local time: "09:00" in each contact's time zone (contacts without one: the zone).
    local_send_time: str | None = None
    local_time_zone: str | None = None
    # The topic (GET /api/v1/topics): contacts opted out of it are left out of the audience.
    topic_id: int | None = None


class CampaignCreate(BaseModel):
    """What every campaign's create body carries; the channel modules add their content fields.
    The update body is made from it (`patch_body`): the same fields, each optional."""

    model_config = ConfigDict(extra="forbid")

    name: str
    segment_id: Id | None = None
    topic_id: Id | None = Field(
        default=None,
        description="The topic the campaign is about (`/api/v1/topics`): contacts who opted out of it on this"
        " channel are left out. Null: only the contacts' channel-wide consent counts.",
    )
    ignore_frequency_cap: bool = Field(
        default=False,
        description="Send even to the contacts the workspace's frequency cap would skip (an urgent notice).",
    )
    local_send_time: str | None = Field(
        default=None,
        max_length=5,
        description="Send at this time of day (HH:MM, 24-hour) in each contact's own time zone: each"
        " recipient waits for the next such time after the campaign starts. Null: send at once.",
    )
    local_time_zone: str | None = Field(
        default=None,
        max_length=64,
        description="The IANA time zone for contacts without one (default UTC), with local_send_time.",
    )
    scheduled_at: datetime | None = None
    timezone: str | None = None


SkipMissing = Annotated[
    bool,
    Query(
        description="Start even though some contacts lack a variable the content uses: their recipients"
        " are skipped (cancelled with the reason). Any other preflight problem still refuses."
    ),
]


class ScheduleRequest(BaseModel):
    """A time with an offset (`2030-01-31T09:00:00+01:00`), or a naive time plus an IANA timezone.
    Without a body, the time already stored on the campaign is used."""

    model_config = ConfigDict(extra="forbid")

    scheduled_at: datetime | None = None
    timezone: str | None = None


class FollowUpRequest(BaseModel):
    """Who to follow up with (`GET .../follow-ups` lists the audiences of the campaign's channel);
    `subject` (email only) and `name` replace the copied ones."""

    model_config = ConfigDict(extra="forbid")

    audience: str = Field(
        max_length=40,
        description="email: not_opened, not_clicked, soft_bounced, failed; sms: not_delivered, failed, not_replied",
    )
    subject: str | None = None
    name: str | None = None


class FollowUpAudiencePublic(BaseModel):
    key: str
    label: str
    count: int


class RecipientPublic(BaseModel):
    id: int
    contact_id: int | None
    address: str
    status: str
    provider_message_id: str | None
    attempts: int
    last_error: str | None
    updated_at: datetime


class RecipientsPage(BaseModel):
    items: list[RecipientPublic]
    next_cursor: str | None


def add_campaign_routes(
    router: APIRouter,
    *,
    channel: Channel,
    create_model: type[CampaignCreate],
    public_model: type[CampaignPublic],
) -> None:
    """Register the shared campaign routes for `channel` on `router`."""
    update_model = patch_body(create_model)

    class CampaignsPage(BaseModel):
        items: list[public_model]  # type: ignore[valid-type]  # the channel's model, passed in
        next_cursor: str | None

    CampaignsPage.__name__ = f"{public_model.__name__}Page"

    def public(campaign: Any, session: Any = None) -> Any:
        """With the request's session a single campaign read also gets its audience estimates."""
        return public_model(**service.to_dict(campaign, channel, session=session))

    @router.get("", response_model=CampaignsPage)
    def list_campaigns(
        session: SessionDep,
        _: Reader,
        status: Annotated[str | None, Query(description="one status or a comma-separated list")] = None,
        cursor: str | None = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
        search: str | None = None,
        archived: Annotated[bool, Query(description="true lists only archived campaigns")] = False,
    ) -> Any:
        page = service.list_campaigns(
            session=session,
            channel=channel,
            status=status,
            search=search,
            cursor=cursor,
            limit=limit,
            archived=archived,
        )
        return CampaignsPage(items=[public(c) for c in page.items], next_cursor=page.next_cursor)

    # FastAPI reads the body's model from the annotation; a model passed in as an argument is no type
    # to mypy (valid-type), so the bodies are read through `_fields_of`.
    @router.post("", response_model=public_model, status_code=201)
    def create_campaign(body: create_model, session: SessionDep, _: Writer) -> Any:  # type: ignore[valid-type]
        campaign = commands.create(session=session, channel=channel, data=_fields_of(body), queue=campaign_queue)
        return public(campaign, session)

    @router.get("/{campaign_id}", response_model=public_model)
    def get_campaign(campaign_id: PathId, session: SessionDep, _: Reader) -> Any:
        return public(service.get(session=session, channel=channel, campaign_id=campaign_id), session)

    @router.patch("/{campaign_id}", response_model=public_model)
    def update_campaign(campaign_id: PathId, body: update_model, session: SessionDep, _: Writer) -> Any:  # type: ignore[valid-type]
        campaign = commands.update(
            session=session,
            channel=channel,
            campaign_id=campaign_id,
            changes=sent_fields(body),
            queue=campaign_queue,
        )
        return public(campaign, session)

    @router.delete("/{campaign_id}", status_code=204)
    def delete_campaign(campaign_id: PathId, session: SessionDep, _: Writer) -> Response:
        service.delete(session=session, channel=channel, campaign_id=campaign_id)
        return Response(status_code=204)

    for action in USER_ACTIONS:
        _add_action_route(router, channel, action, public_model, public)

    @router.post("/{campaign_id}/archive", response_model=public_model)
    def archive_campaign(campaign_id: PathId, session: SessionDep, _: Writer) -> Any:
        return public(service.archive(session=session, channel=channel, campaign_id=campaign_id), session)

    @router.post("/{campaign_id}/duplicate", response_model=public_model, status_code=201)
    def duplicate_campaign(campaign_id: PathId, session: SessionDep, _: Writer) -> Any:
        return public(service.duplicate(session=session, channel=channel, campaign_id=campaign_id), session)

    @router.get("/{campaign_id}/follow-ups", response_model=list[FollowUpAudiencePublic])
    def follow_up_audiences(campaign_id: PathId, session: SessionDep, _: Reader) -> Any:
        """Who a follow-up of this finished campaign can target, with how many it would reach now."""
        found = follow_ups.audiences(session=session, channel=channel, campaign_id=campaign_id)
        return [FollowUpAudiencePublic(key=a.key, label=a.label, count=a.count) for a in found]

    @router.post("/{campaign_id}/follow-ups", response_model=public_model, status_code=201)
    def create_follow_up(campaign_id: PathId, body: FollowUpRequest, session: SessionDep, _: Writer) -> Any:
        """A new draft with this campaign's content to one audience of its recipients, frozen now;
        409 while the campaign has not finished or when the audience is empty."""
        draft = follow_ups.create_follow_up(
            session=session,
            channel=channel,
            campaign_id=campaign_id,
            audience=body.audience,
            subject=body.subject,
            name=body.name,
        )
        return public(draft, session)

    @router.get("/{campaign_id}/recipients", response_model=RecipientsPage)
    def list_recipients(
        campaign_id: PathId,
        session: SessionDep,
        _: Reader,
        status: Annotated[str | None, Query(description="one status or a comma-separated list")] = None,
        cursor: str | None = None,
        limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    ) -> RecipientsPage:
        page = service.recipients_page(
            session=session, channel=channel, campaign_id=campaign_id, status=status, cursor=cursor, limit=limit
        )
        items = [RecipientPublic(**r.model_dump()) for r in page.items]
        return RecipientsPage(items=items, next_cursor=page.next_cursor)

    @router.get("/{campaign_id}/stats", response_model=CampaignStats)
    def campaign_stats(campaign_id: PathId, session: SessionDep, _: Reader) -> Any:
        return CampaignStats(**stats.campaign_stats(session=session, channel=channel, campaign_id=campaign_id))

    add_progress_route(router, channel)
    add_ab_test_routes(router, channel)


def _fields_of(body: BaseModel) -> dict[str, Any]:
    """A create body's fields. The route annotates `body` with the channel's model (FastAPI reads it
    from there), which type checkers cannot follow; this says what it is."""
    return body.model_dump()


def _add_action_route(router: APIRouter, channel: Channel, action: Action, public_model, public) -> None:
    def run(session, campaign_id: int, when=None, zone=None, skip_missing: bool = False) -> Any:
        campaign = commands.apply_action(
            session=session,
            channel=channel,
            campaign_id=campaign_id,
            action=action,
            queue=campaign_queue,
            scheduled_at=when,
            timezone=zone,
            skip_missing=skip_missing,
        )
        return public(campaign, session)

    def act_with_time(
        campaign_id: PathId,
        session: SessionDep,
        _: Writer,
        body: Annotated[ScheduleRequest | None, Body()] = None,
    ) -> Any:
        body = body or ScheduleRequest()
        return run(session, campaign_id, body.scheduled_at, body.timezone)

    def start(campaign_id: PathId, session: SessionDep, _: Writer, skip_missing_variables: SkipMissing = False) -> Any:
        return run(session, campaign_id, skip_missing=skip_missing_variables)

    def act_now(campaign_id: PathId, session: SessionDep, _: Writer) -> Any:
        return run(session, campaign_id)

    routes: dict[Action, Callable[..., Any]] = {Action.SCHEDULE: act_with_time, Action.START: start}
    act = routes.get(action, act_now)

    name = f"{action.value}_{channel.value}_campaign"
    router.add_api_route(
        f"/{{campaign_id}}/{action.value}",
        act,
        methods=["POST"],
        response_model=public_model,
        summary=f"{action.value.capitalize()} the campaign",
        name=name,
        operation_id=name,
    )
