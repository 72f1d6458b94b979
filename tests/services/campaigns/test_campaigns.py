"""Campaigns as a marketer works with them: create, edit until sending, list, delete or archive."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from campaign_dashboard.models import Channel, EmailTemplate
from campaign_dashboard.services import campaigns, stats
from campaign_dashboard.services.campaigns import templates
from campaign_dashboard.services.campaigns.rendering import RenderError
from campaign_dashboard.services.channels import recipient_model
from campaign_dashboard.services.errors import Conflict, NotFound, ValidationFailed
from tests.factories import make_contact, make_email_campaign, make_segment, make_sms_campaign


def _email_data(segment: int, **overrides) -> dict:
    data = {
        "name": "Spring sale",
        "subject": "Hi {{ first_name | default('there') }}",
        "from_email": "Shop <news@example.com>",
        "reply_to": "help@example.com",
        "segment_id": segment,
        "html": "<p>Hello {{ first_name }}</p>",
    }
    data.update(overrides)
    return data


def _sms_data(segment: int, **overrides) -> dict:
    data = {
        "name": "Flash SMS",
        "body": "Hi {{ first_name }}, 20% off today!",
        "from_number": "+14155550100",
        "segment_id": segment,
    }
    data.update(overrides)
    return data


def _field_of(err: pytest.ExceptionInfo) -> str:
    return err.value.details[0]["field"]


# --- create and validate ------------------------------------------------------------------------


def test_create_email_campaign_as_draft(session):
    segment = make_segment(session)
    campaign = campaigns.create(session=session, channel="email", data=_email_data(segment.id))
    assert campaign.id is not None
    assert (campaign.status, campaign.from_email, campaign.reply_to) == (
        "draft",
        "Shop <news@example.com>",
        "help@example.com",
    )
    out = campaigns.to_dict(campaign, "email")
    assert out["allowed_actions"] == ["schedule", "start"]
    assert out["can_edit"] and out["can_delete"]
    assert out["sent"] == 0 and out["progress"] == 0.0


def test_create_with_a_schedule_time_makes_it_scheduled(session):
    segment = make_segment(session)
    campaign = campaigns.create(
        session=session,
        channel="sms",
        data=_sms_data(segment.id, scheduled_at="2099-03-01T10:00:00", timezone="America/New_York"),
    )
    assert campaign.status == "scheduled"
    assert campaign.scheduled_at == datetime(2099, 3, 1, 15, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"name": "  "}, "name"),
        ({"subject": ""}, "subject"),
        ({"from_email": ""}, "from_email"),
        ({"from_email": "not-an-email"}, "from_email"),
        ({"from_email": "Shop <nope@>"}, "from_email"),
        ({"reply_to": "x@"}, "reply_to"),
        ({"segment_id": None}, "segment_id"),
        ({"segment_id": 999999}, "segment_id"),
        ({"html": None}, "template_id"),  # neither template nor html
        ({"template_id": 999999}, "template_id"),  # both given
        ({"html": "<p>{% for x in y %}</p>"}, "html"),
        ({"subject": "Hi {{ first_name"}, "subject"),
        ({"colour": "red"}, "colour"),
        ({"scheduled_at": "2001-01-01T00:00:00+00:00"}, "scheduled_at"),
        ({"scheduled_at": "2099-01-01T00:00:00"}, "scheduled_at"),
    ],
)
def test_invalid_email_campaigns_are_refused_naming_the_field(engine, session, override, field):
    segment = make_segment(session)
    with pytest.raises(ValidationFailed) as err:
        campaigns.create(session=session, channel="email", data=_email_data(segment.id, **override))
    assert _field_of(err) == field
    session.rollback()
    assert campaigns.list_campaigns(session=session, channel="email").items == []


def test_every_field_with_a_problem_is_named_in_one_answer(session):
    """A form learns all its problems from one save, not one per save."""
    segment = make_segment(session)
    data = _email_data(segment.id, name="", subject="", from_email="not an address", html="<p>{{ x }</p>")
    with pytest.raises(ValidationFailed) as err:
        campaigns.create(session=session, channel="email", data=data)
    assert [d["field"] for d in err.value.details] == ["name", "subject", "from_email", "html"]
    assert err.value.message.startswith("4 fields need attention:")
    with pytest.raises(ValidationFailed) as err:
        campaigns.create(session=session, channel="sms", data=_sms_data(None, body="", from_number="12"))
    assert [d["field"] for d in err.value.details] == ["segment_id", "body", "from_number"]


@pytest.mark.parametrize(
    ("override", "field"),
    [
        ({"body": ""}, "body"),
        ({"body": "Hi {{ first_name }"}, "body"),
        ({"body": "x" * 1601}, "body"),
        ({"from_number": "12"}, "from_number"),
        ({"from_number": "+1"}, "from_number"),
        ({"segment_id": None}, "segment_id"),
        ({"subject": "email only"}, "subject"),
    ],
)
def test_invalid_sms_campaigns_are_refused_naming_the_field(session, override, field):
    segment = make_segment(session)
    with pytest.raises(ValidationFailed) as err:
        campaigns.create(session=session, channel="sms", data=_sms_data(segment.id, **override))
    assert _field_of(err) == field


def test_a_template_syntax_error_reports_its_line(session):
    segment = make_segment(session)
    html = "<p>Hello</p>\n<p>{{ first_name }</p>\n"
    with pytest.raises(ValidationFailed) as err:
        campaigns.create(session=session, channel="email", data=_email_data(segment.id, html=html))
    assert err.value.details[0]["line"] == 2
    assert "line 2" in err.value.message


def test_sms_sender_may_be_a_service_sid_or_alphanumeric(session):
    segment = make_segment(session)
    for sender in ("MG" + "a" * 32, "ACME Shop", None):
        c = campaigns.create(session=session, channel="sms", data=_sms_data(segment.id, from_number=sender))
        assert c.from_number == sender


def test_email_from_a_template_takes_its_subject(session):
    segment = make_segment(session)
    template = templates.create_template(
        session=session, data={"name": "Welcome", "subject": "Welcome {{ first_name }}", "html": "<p>Hi</p>"}
    )
    data = _email_data(segment.id, template_id=template.id, subject="", html=None)
    campaign = campaigns.create(session=session, channel="email", data=data)
    assert (campaign.template_id, campaign.subject, campaign.html) == (template.id, "Welcome {{ first_name }}", None)


def test_sms_read_shows_encoding_and_segments(session):
    segment = make_segment(session)
    campaign = campaigns.create(
        session=session, channel="sms", data=_sms_data(segment.id, body="Olá {{ first_name }} " + "x" * 70)
    )
    out = campaigns.to_dict(campaign, "sms")
    assert (out["encoding"], out["segments_per_message"]) == ("ucs2", 2)


# --- edit, delete, archive, duplicate -----------------------------------------------------------


@pytest.mark.parametrize("channel", list(Channel))
def test_edit_while_draft_or_scheduled_but_not_once_sending(session, channel):
    segment = make_segment(session)
    make = make_email_campaign if channel is Channel.EMAIL else make_sms_campaign
    for status in ("draft", "scheduled"):
        campaign = make(
            session,
            segment_id=segment.id,
            status=status,
            scheduled_at=datetime(2099, 1, 1, tzinfo=UTC) if status == "scheduled" else None,
        )
        edited = campaigns.update(
            session=session, channel=channel, campaign_id=campaign.id, changes={"name": "Renamed"}
        )
        assert (edited.name, edited.status) == ("Renamed", status)
    for status in ("sending", "paused", "sent", "failed", "cancelled"):
        campaign = make(session, segment_id=segment.id, status=status, name="Frozen")
        with pytest.raises(Conflict, match="frozen"):
            campaigns.update(session=session, channel=channel, campaign_id=campaign.id, changes={"name": "Changed"})
        session.rollback()
        assert campaigns.get(session=session, channel=channel, campaign_id=campaign.id).name == "Frozen"


def test_edit_validates_the_result_and_writes_nothing_when_invalid(session):
    segment = make_segment(session)
    campaign = campaigns.create(session=session, channel="email", data=_email_data(segment.id))
    with pytest.raises(ValidationFailed):
        campaigns.update(
            session=session, channel="email", campaign_id=campaign.id, changes={"name": "New", "from_email": "broken"}
        )
    session.rollback()
    assert campaigns.get(session=session, channel="email", campaign_id=campaign.id).name == "Spring sale"
    switched = campaigns.update(
        session=session,
        channel="email",
        campaign_id=campaign.id,
        changes={"html": "<p>New body</p>", "subject": "New subject"},
    )
    assert (switched.html, switched.subject) == ("<p>New body</p>", "New subject")


def test_moving_the_schedule_of_a_scheduled_campaign(session):
    segment = make_segment(session)
    campaign = campaigns.create(
        session=session, channel="email", data=_email_data(segment.id, scheduled_at="2099-01-01T00:00:00+00:00")
    )
    moved = campaigns.update(
        session=session, channel="email", campaign_id=campaign.id, changes={"scheduled_at": "2099-02-01T00:00:00+00:00"}
    )
    assert (moved.status, moved.scheduled_at) == ("scheduled", datetime(2099, 2, 1, tzinfo=UTC))
    with pytest.raises(ValidationFailed, match="unschedule"):
        campaigns.update(session=session, channel="email", campaign_id=campaign.id, changes={"scheduled_at": None})


@pytest.mark.parametrize("channel", list(Channel))
def test_delete_unsent_campaigns_but_only_archive_sent_ones(engine, session, channel):
    segment = make_segment(session)
    make = make_email_campaign if channel is Channel.EMAIL else make_sms_campaign
    draft = make(session, segment_id=segment.id)
    campaigns.delete(session=session, channel=channel, campaign_id=draft.id)
    with pytest.raises(NotFound):
        campaigns.get(session=session, channel=channel, campaign_id=draft.id)

    # a cancelled campaign that never sent anything can go, recipient ledger included
    cancelled = make(session, segment_id=segment.id, status="cancelled")
    session.add(recipient_model(channel)(campaign_id=cancelled.id, address="a@example.com", status="cancelled"))
    session.commit()
    campaigns.delete(session=session, channel=channel, campaign_id=cancelled.id)

    sent = make(session, segment_id=segment.id, status="sent", sent=10, recipients=10, processed=10)
    with pytest.raises(Conflict, match="archive"):
        campaigns.delete(session=session, channel=channel, campaign_id=sent.id)
    session.rollback()
    archived = campaigns.archive(session=session, channel=channel, campaign_id=sent.id)
    assert archived.archived_at is not None
    assert campaigns.list_campaigns(session=session, channel=channel).items == []
    assert [c.id for c in campaigns.list_campaigns(session=session, channel=channel, archived=True).items] == [sent.id]


def test_a_cancelled_campaign_that_sent_some_messages_cannot_be_deleted(session):
    segment = make_segment(session)
    campaign = make_email_campaign(session, segment_id=segment.id, status="cancelled")
    session.add(recipient_model("email")(campaign_id=campaign.id, address="a@example.com", status="delivered"))
    session.commit()
    with pytest.raises(Conflict, match="already sent"):
        campaigns.delete(session=session, channel="email", campaign_id=campaign.id)


@pytest.mark.parametrize("status", ["scheduled", "sending", "paused"])
def test_active_campaigns_are_neither_deleted_nor_archived(session, status):
    segment = make_segment(session)
    campaign = make_email_campaign(session, segment_id=segment.id, status=status)
    if status != "scheduled":
        with pytest.raises(Conflict):
            campaigns.delete(session=session, channel="email", campaign_id=campaign.id)
    with pytest.raises(Conflict):
        campaigns.archive(session=session, channel="email", campaign_id=campaign.id)


@pytest.mark.parametrize("channel", list(Channel))
def test_duplicate_makes_a_fresh_draft_with_the_same_content(session, channel):
    segment = make_segment(session)
    make = make_email_campaign if channel is Channel.EMAIL else make_sms_campaign
    original = make(
        session,
        segment_id=segment.id,
        status="sent",
        sent=5,
        recipients=5,
        processed=5,
        started_at=datetime(2024, 1, 1, tzinfo=UTC),
    )
    copy = campaigns.duplicate(session=session, channel=channel, campaign_id=original.id)
    assert copy.id != original.id
    assert (copy.name, copy.status, copy.sent, copy.recipients, copy.started_at) == (
        f"Copy of {original.name}",
        "draft",
        0,
        0,
        None,
    )
    content = ("subject", "html", "from_email") if channel is Channel.EMAIL else ("body",)
    assert all(getattr(copy, f) == getattr(original, f) for f in content)


# --- list, recipients, stats --------------------------------------------------------------------


def test_list_newest_first_with_cursor_status_filter_and_search(session):
    segment = make_segment(session)
    made = [
        make_email_campaign(session, segment_id=segment.id, name=f"Promo {i}", status="sent" if i % 2 else "draft")
        for i in range(7)
    ]
    make_email_campaign(session, segment_id=segment.id, name="Newsletter 100%_off")
    page1 = campaigns.list_campaigns(session=session, channel="email", search="promo", limit=3)
    page2 = campaigns.list_campaigns(
        session=session, channel="email", search="PROMO", limit=3, cursor=page1.next_cursor
    )
    page3 = campaigns.list_campaigns(
        session=session, channel="email", search="promo", limit=3, cursor=page2.next_cursor
    )
    names = [c.name for c in page1.items + page2.items + page3.items]
    assert names == [f"Promo {i}" for i in reversed(range(7))]
    assert page3.next_cursor is None
    sent = campaigns.list_campaigns(session=session, channel="email", status="sent")
    assert [c.id for c in sent.items] == [c.id for c in reversed(made) if c.status == "sent"]
    both = campaigns.list_campaigns(session=session, channel="email", status="sent,draft")
    assert len(both.items) == 8
    assert [c.name for c in campaigns.list_campaigns(session=session, channel="email", search="%_").items] == [
        "Newsletter 100%_off"
    ]
    assert campaigns.list_campaigns(session=session, channel="sms").items == []
    with pytest.raises(ValidationFailed):
        campaigns.list_campaigns(session=session, channel="email", status="bogus")
    with pytest.raises(ValidationFailed):
        campaigns.list_campaigns(session=session, channel="email", cursor="abc")


def test_recipients_page_filters_and_paginates(session):
    segment = make_segment(session)
    campaign = make_sms_campaign(session, segment_id=segment.id, status="sending")
    Recipient = recipient_model("sms")
    for i in range(5):
        session.add(
            Recipient(
                campaign_id=campaign.id,
                address=f"+1415555000{i}",
                status="failed" if i == 3 else "pending",
                last_error="21211 invalid" if i == 3 else None,
            )
        )
    session.commit()
    first = campaigns.recipients_page(session=session, channel="sms", campaign_id=campaign.id, limit=2)
    rest = campaigns.recipients_page(session=session, channel="sms", campaign_id=campaign.id, cursor=first.next_cursor)
    assert [r.address for r in first.items + rest.items] == [f"+1415555000{i}" for i in range(5)]
    failed = campaigns.recipients_page(session=session, channel="sms", campaign_id=campaign.id, status="failed")
    assert [(r.address, r.last_error) for r in failed.items] == [("+14155550003", "21211 invalid")]
    with pytest.raises(NotFound):
        campaigns.recipients_page(session=session, channel="email", campaign_id=campaign.id + 1000)


def test_stats_come_from_the_counters(session):
    segment = make_segment(session)
    campaign = make_email_campaign(
        session,
        segment_id=segment.id,
        status="sending",
        recipients=200,
        processed=50,
        sent=48,
        failed=2,
        delivered=40,
        opened=30,
        unique_opens=20,
        clicked=9,
        unique_clicks=7,
        unique_human_opens=15,
        unique_human_clicks=6,
        bounced=1,
        complained=1,
        unsubscribed=3,
        replied=2,
    )
    result = stats.campaign_stats(session=session, channel="email", campaign_id=campaign.id)
    assert result == {
        "status": "sending",
        "recipients": 200,
        "sent": 48,
        "delivered": 40,
        "failed": 2,
        "opened": 30,
        "unique_opens": 20,
        "clicked": 9,
        "unique_clicks": 7,
        "unique_human_opens": 15,
        "unique_human_clicks": 6,
        "bounced": 1,
        "complained": 1,
        "unsubscribed": 3,
        "replied": 2,
        "processed": 50,
        "progress": 0.25,
    }
    empty = make_email_campaign(session, segment_id=segment.id)
    assert stats.campaign_stats(session=session, channel="email", campaign_id=empty.id)["progress"] == 0.0


# --- per-recipient rendering --------------------------------------------------------------------


def test_a_recipient_whose_template_cannot_render_fails_alone(session):
    """What the sender does per recipient: render with the compiled template, record the reason."""
    from campaign_dashboard.services.campaigns import rendering

    segment = make_segment(session)
    campaign = campaigns.create(
        session=session, channel="email", data=_email_data(segment.id, html="<p>Your code is {{ coupon }}</p>")
    )
    ok = make_contact(session, attributes={"coupon": "SPRING10"})
    bad = make_contact(session)
    compiled = rendering.compile_email(campaign.subject, campaign.html, campaign.text)
    assert compiled.render(ok).html == "<p>Your code is SPRING10</p>"
    with pytest.raises(RenderError) as err:
        compiled.render(bad)
    assert "'coupon' is not set" in err.value.message


# --- templates ----------------------------------------------------------------------------------


def test_template_crud_and_validation(session):
    t = templates.create_template(
        session=session, data={"name": "Promo", "subject": "Hi", "html": "<p>{{ first_name }}</p>"}
    )
    with pytest.raises(Conflict):
        templates.create_template(session=session, data={"name": "promo", "html": "<p/>"})
    session.rollback()
    with pytest.raises(ValidationFailed) as err:
        templates.update_template(session=session, template_id=t.id, changes={"html": "<p>\n{% if %}</p>"})
    assert err.value.details[0] == {"field": "html", "line": 2, "message": err.value.details[0]["message"]}
    session.rollback()
    assert templates.get_template(session=session, template_id=t.id).html == "<p>{{ first_name }}</p>"
    updated = templates.update_template(session=session, template_id=t.id, changes={"name": "Promo 2"})
    assert updated.name == "Promo 2"
    page = templates.list_templates(session=session, search="promo")
    assert [r.id for r in page.items] == [t.id] and page.next_cursor is None
    templates.delete_template(session=session, template_id=t.id)
    with pytest.raises(NotFound):
        templates.get_template(session=session, template_id=t.id)


def test_a_template_in_use_is_frozen_while_sending_and_cannot_be_deleted(session):
    segment = make_segment(session)
    t = templates.create_template(session=session, data={"name": "T", "subject": "S", "html": "<p>v1</p>"})
    campaign = make_email_campaign(session, segment_id=segment.id, template_id=t.id, html=None, status="sending")
    with pytest.raises(Conflict, match="frozen"):
        templates.update_template(session=session, template_id=t.id, changes={"html": "<p>v2</p>"})
    session.rollback()
    with pytest.raises(Conflict):
        templates.delete_template(session=session, template_id=t.id)
    session.rollback()
    assert session.get(EmailTemplate, t.id).html == "<p>v1</p>"
    assert campaign.template_id == t.id


def test_template_preview_with_sample_or_real_contact(session):
    t = templates.create_template(
        session=session,
        data={
            "name": "P",
            "subject": "Hi {{ first_name }}",
            "html": "<p>{{ tags | join(',') }} <a href='{{ unsubscribe_url }}'>u</a></p>",
        },
    )
    sample = templates.preview_template(session=session, template_id=t.id)
    assert sample.subject == "Hi Jane"
    contact = make_contact(session, first_name="Rui", tags=["vip"])
    real = templates.preview_template(session=session, template_id=t.id, contact_id=contact.id)
    assert real.subject == "Hi Rui"
    assert real.html.startswith("<p>vip ")
    assert "vip u (" in real.text
