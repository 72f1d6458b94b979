"""The A/B test routes of both campaign routers: read it with its live numbers (any role), set or
remove it while the campaign is a draft or scheduled, and pick the winner now (marketers, admins).

Every rule is `services.campaigns.ab_tests` / `ab_decision`'s; a bad setting is a 422 naming the
field (`variants.1.subject`), a change after the start a 409.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from fastapi import APIRouter, Response
from pydantic import BaseModel, ConfigDict, Field

from campaign_dashboard.api.deps import PathId, Reader, SessionDep, Writer
from campaign_dashboard.models import Channel
from campaign_dashboard.services.campaigns import ab_decision, ab_tests, commands
from campaign_dashboard.services.errors import NotFound
from campaign_dashboard.services.stats.variant_rates import variant_rates
from campaign_dashboard.wiring import campaign_queue


class AbVariant(BaseModel):
    """Email: `subject`, optionally `html` (else the campaign's) and `from_name` (the sender's
    name; the address stays the campaign's). SMS: `body`."""

    model_config = ConfigDict(extra="forbid")

    subject: str | None = None
    html: str | None = None
    from_name: str | None = None
    body: str | None = None


class AbTestRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    variants: list[AbVariant] = Field(description="2 to 4 variants; the first is A")
    test_share: int = Field(default=20, description="percent of the audience that tests the variants (1-99)")
    metric: str | None = Field(
        default=None, description="email: open_rate (default), click_rate; sms: reply_rate (default), delivery_rate"
    )
    wait_minutes: int = Field(default=240, description="from the start until the winner is picked (0-10080)")


class GroupNumbers(BaseModel):
    recipients: int
    sent: int
    delivered: int
    opened: int
    clicked: int
    replied: int
    rate: float = Field(description="the test's metric: successes per message sent")


class AbVariantPublic(BaseModel):
    index: int
    label: str
    subject: str | None = None
    html: str | None = None
    from_name: str | None = None
    body: str | None = None
    numbers: GroupNumbers
    winner: bool


class AbTestPublic(BaseModel):
    variants: list[AbVariantPublic]
    test_share: int
    metric: str
    metric_label: str
    wait_minutes: int
    remainder: GroupNumbers = Field(description="the recipients who wait for the winner, then get it")
    winner: int | None
    winner_label: str | None
    decided_at: datetime | None
    decision: dict[str, Any] | None = Field(
        description="winner, runner_up, each variant's sample and rate, p_value, significant, summary, by"
    )


def add_ab_test_routes(router: APIRouter, channel: Channel) -> None:
    def shown(session: Any, campaign_id: int) -> AbTestPublic:
        test = ab_tests.get_test(session=session, channel=channel, campaign_id=campaign_id)
        if test is None:
            raise NotFound(f"The {channel.value} campaign {campaign_id} has no A/B test.")
        numbers = variant_rates(session=session, channel=channel, campaign_id=campaign_id)
        return AbTestPublic(**(ab_decision.public(test, numbers) or {}))

    @router.get("/{campaign_id}/ab-test", response_model=AbTestPublic)
    def get_ab_test(campaign_id: PathId, session: SessionDep, _: Reader) -> Any:
        """The test's settings, each variant's live numbers and the decision once taken."""
        return shown(session, campaign_id)

    @router.put("/{campaign_id}/ab-test", response_model=AbTestPublic)
    def set_ab_test(campaign_id: PathId, body: AbTestRequest, session: SessionDep, _: Writer) -> Any:
        """Create or replace the test while the campaign is a draft or scheduled (409 after)."""
        data = body.model_dump(exclude_unset=True)
        data["variants"] = [v.model_dump(exclude_none=True) for v in body.variants]
        ab_tests.set_test(session=session, channel=channel, campaign_id=campaign_id, data=data)
        return shown(session, campaign_id)

    @router.delete("/{campaign_id}/ab-test", status_code=204)
    def delete_ab_test(campaign_id: PathId, session: SessionDep, _: Writer) -> Response:
        ab_tests.remove_test(session=session, channel=channel, campaign_id=campaign_id)
        return Response(status_code=204)

    @router.post("/{campaign_id}/ab-test/decide", response_model=AbTestPublic)
    def decide_ab_test(campaign_id: PathId, session: SessionDep, token: Writer) -> Any:
        """Pick the winner now instead of at the end of the wait; the remainder is sent with it
        (409 before the start, after the end, or once picked)."""
        commands.decide_ab_test(
            session=session,
            channel=channel,
            campaign_id=campaign_id,
            by=f"API token {token.name}",
            queue=campaign_queue,
        )
        return shown(session, campaign_id)
