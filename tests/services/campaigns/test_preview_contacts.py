"""Previewing a campaign as a real contact of its audience: stepping through it in order, finding
one by name or address, and only ever contacts the campaign would send to. On both databases."""

from __future__ import annotations

from campaign_dashboard.models import EmailStatus, Suppression
from campaign_dashboard.services.campaigns import preview_contacts, rendering
from tests.factories import make_contact, make_segment

VIP = [{"field": "tag", "op": "is", "value": "vip"}]


def test_stepping_through_the_audience_skips_those_the_campaign_would_not_send_to(session):
    ann = make_contact(session, first_name="Ann", last_name="Lee", tags=["vip"], attributes={"country": "PT"})
    make_contact(session, first_name="Out", tags=["vip"], email_status=EmailStatus.UNSUBSCRIBED)
    make_contact(session, first_name="Other", tags=["customer"])
    suppressed = make_contact(session, first_name="Sup", tags=["vip"])
    session.add(Suppression(channel="email", address=suppressed.email, reason="bounce"))
    bo = make_contact(session, first_name="Bo", tags=["vip"])
    session.commit()
    segment = make_segment(session, rules=VIP)

    first = preview_contacts.pick(session=session, channel="email", segment_id=segment.id)
    assert first is not None and first.contact_id == ann.id
    assert (first.position, first.total, first.label) == (1, 2, f"Ann Lee <{ann.email}>")
    assert first.values["tags"] == ["vip"] and first.values["attributes"] == {"country": "PT"}
    second = preview_contacts.pick(session=session, channel="email", segment_id=segment.id, after=first.contact_id)
    assert second is not None and (second.contact_id, second.position) == (bo.id, 2)
    assert preview_contacts.pick(session=session, channel="email", segment_id=segment.id, after=bo.id) is None
    back = preview_contacts.pick(session=session, channel="email", segment_id=segment.id, before=bo.id)
    assert back is not None and back.contact_id == ann.id
    assert preview_contacts.pick(session=session, channel="email", segment_id=segment.id, before=ann.id) is None


def test_a_contact_is_found_by_name_or_address_within_the_audience_only(session):
    ann = make_contact(session, first_name="Ann", last_name="Lee", email="ann.lee@shop.example", tags=["vip"])
    make_contact(session, first_name="Annie", email="annie@elsewhere.example", tags=["customer"])
    segment = make_segment(session, rules=VIP)

    def find(text: str):
        found = preview_contacts.pick(session=session, channel="email", segment_id=segment.id, search=text)
        return found.contact_id if found else None

    assert find("ann lee") == ann.id
    assert find("SHOP.example") == ann.id
    assert find("annie") is None  # not in this audience
    assert find("%") is None and find("a_n") is None  # typed wildcards are plain characters


def test_the_preview_renders_what_this_contact_gets(session):
    make_contact(session, first_name="Ann", tags=["vip"], attributes={"country": "PT"})
    segment = make_segment(session, rules=VIP)
    found = preview_contacts.pick(session=session, channel="email", segment_id=segment.id)
    assert found is not None
    rendered = rendering.preview_email(
        subject="Hi {{ first_name }}", html="<p>{{ country | default('somewhere') }}</p>", contact=found.values
    )
    assert (rendered.subject, rendered.html.count("PT")) == ("Hi Ann", 1)
    assert rendering.preview_sms(body="{{ first_name }} in {{ country }}", contact=found.values) == "Ann in PT"
