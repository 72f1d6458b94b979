"""`campaigns.commands`: what a person asks of a campaign is committed first, then the worker is told
through the injected queue, exactly once and only when there is something for it to do."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from campaign_dashboard.models import CampaignStatus, Channel
from campaign_dashboard.services.campaigns import commands
from campaign_dashboard.services.campaigns.lifecycle import Action
from campaign_dashboard.services.errors import IllegalTransition
from tests.factories import make_email_campaign, make_segment

FUTURE = datetime(2099, 1, 1, 9, 0, tzinfo=UTC)
LATER = datetime(2099, 2, 1, 9, 0, tzinfo=UTC)


class RecordingQueue:
    """A `CampaignQueue` that remembers each call with the campaign's status at that moment."""

    def __init__(self) -> None:
        self.calls: list[tuple] = []

    def after_action(self, channel, campaign, action) -> None:
        self.calls.append(("after_action", Channel(channel), campaign.id, Action(action), campaign.status))

    def scheduled_start(self, channel, campaign) -> None:
        self.calls.append(("scheduled_start", Channel(channel), campaign.id, campaign.scheduled_at, campaign.status))


@pytest.fixture
def queue() -> RecordingQueue:
    return RecordingQueue()


def _content(session) -> dict:
    return {
        "name": "Spring sale",
        "segment_id": make_segment(session).id,
        "subject": "Hello",
        "from_email": "news@example.com",
        "html": "<p>Hi</p>",
    }


def test_a_campaign_created_with_a_time_is_scheduled_and_its_start_queued(session, queue):
    campaign = commands.create(
        session=session, channel="email", data={**_content(session), "scheduled_at": FUTURE}, queue=queue
    )
    assert campaign.status == CampaignStatus.SCHEDULED
    assert queue.calls == [("scheduled_start", Channel.EMAIL, campaign.id, FUTURE, "scheduled")]


def test_a_draft_created_without_a_time_queues_nothing(session, queue):
    campaign = commands.create(session=session, channel="email", data=_content(session), queue=queue)
    assert campaign.status == CampaignStatus.DRAFT
    assert queue.calls == []


def test_moving_a_scheduled_campaign_queues_its_start_at_the_new_time(session, queue):
    campaign = make_email_campaign(
        session, segment_id=make_segment(session).id, status="scheduled", scheduled_at=FUTURE
    )
    commands.update(
        session=session, channel="email", campaign_id=campaign.id, changes={"scheduled_at": LATER}, queue=queue
    )
    assert queue.calls == [("scheduled_start", Channel.EMAIL, campaign.id, LATER, "scheduled")]


def test_editing_a_draft_queues_nothing(session, queue):
    campaign = make_email_campaign(session, segment_id=make_segment(session).id)
    commands.update(session=session, channel="email", campaign_id=campaign.id, changes={"name": "New"}, queue=queue)
    assert queue.calls == []


def test_starting_queues_the_sending_after_the_status_is_committed(session, queue):
    campaign = make_email_campaign(session, segment_id=make_segment(session).id)
    commands.apply_action(session=session, channel="email", campaign_id=campaign.id, action="start", queue=queue)
    assert queue.calls == [("after_action", Channel.EMAIL, campaign.id, Action.START, "sending")]


def test_a_refused_action_queues_nothing(session, queue):
    campaign = make_email_campaign(session, segment_id=make_segment(session).id)
    with pytest.raises(IllegalTransition):
        commands.apply_action(session=session, channel="email", campaign_id=campaign.id, action="resume", queue=queue)
    assert queue.calls == []


@pytest.mark.parametrize(
    ("status", "when", "expected"),
    [
        ("draft", "now", "sending"),
        ("draft", "schedule", "scheduled"),
        ("draft", "draft", "draft"),
        ("scheduled", "now", "sending"),
        ("scheduled", "draft", "draft"),
        ("scheduled", "schedule", "scheduled"),
    ],
)
def test_the_form_s_when_moves_a_saved_campaign(session, queue, status, when, expected):
    campaign = make_email_campaign(session, segment_id=make_segment(session).id, status=status, scheduled_at=FUTURE)
    result = commands.carry_out(session=session, channel="email", campaign=campaign, when=when, queue=queue)
    assert result.status == expected
    action = commands.action_for(when, status)
    assert queue.calls == ([] if action is None else [("after_action", Channel.EMAIL, campaign.id, action, expected)])
