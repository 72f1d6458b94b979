"""Unsubscribe links: signed tokens, a confirmation page, and an idempotent one-click POST."""

from __future__ import annotations

import pytest
from sqlmodel import select

from campaign_dashboard.models import Contact, EmailCampaign, EmailEvent, SmsCampaign, Suppression
from campaign_dashboard.services.errors import ValidationFailed
from campaign_dashboard.services.events.unsubscribe import (
    UnsubscribeResult,
    apply_unsubscribe,
    make_unsubscribe_token,
    read_unsubscribe_token,
    unsubscribe_url,
)
from tests.helpers.events import BASE_URL, make_sent_email, make_sms_recipient


def test_a_token_round_trips_and_a_tampered_one_is_refused(settings_env):
    token = make_unsubscribe_token(contact_id=12, channel="email", campaign_id=34)
    target = read_unsubscribe_token(token=token)
    assert (target.contact_id, target.channel, target.campaign_id) == (12, "email", 34)
    for bad in (
        token[:-2] + ("AA" if not token.endswith("AA") else "BB"),
        token.replace(".", "x"),
        "garbage",
        make_unsubscribe_token(contact_id=12, campaign_id=34, secret_key="another-key-entirely-0123456789"),
    ):
        with pytest.raises(ValidationFailed):
            read_unsubscribe_token(token=bad)


def test_the_url_uses_the_public_base_url(settings_env):
    url = unsubscribe_url(contact_id=1, campaign_id=2)
    assert url.startswith(f"{BASE_URL}/unsubscribe/")
    assert read_unsubscribe_token(token=url.rsplit("/", 1)[1]).campaign_id == 2


def test_link_in_a_sent_email_then_one_click_post_unsubscribes_once(client, session):
    sent = make_sent_email(session)
    url = unsubscribe_url(contact_id=sent.contact_id, campaign_id=sent.campaign_id)
    path = url.removeprefix(BASE_URL)

    page = client.get(path)
    assert page.status_code == 200 and 'method="post"' in page.text
    session.expire_all()
    assert session.get(Contact, sent.contact_id).email_status == "subscribed"  # GET changes nothing

    one_click = client.post(
        path, content="List-Unsubscribe=One-Click", headers={"content-type": "application/x-www-form-urlencoded"}
    )
    assert one_click.status_code == 200
    assert client.post(path).status_code == 200  # the page's button, after the mail client's one-click
    session.expire_all()
    assert session.get(Contact, sent.contact_id).email_status == "unsubscribed"
    assert session.get(EmailCampaign, sent.campaign_id).unsubscribed == 1
    assert session.exec(select(Suppression.reason)).all() == ["unsubscribe"]
    event = session.exec(select(EmailEvent)).one()
    assert (event.type, event.sent_email_id) == ("unsubscribe", sent.id)


def test_a_tampered_link_is_400_and_changes_nothing(client, session):
    sent = make_sent_email(session)
    token = make_unsubscribe_token(contact_id=sent.contact_id, campaign_id=sent.campaign_id)
    forged = make_unsubscribe_token(
        contact_id=sent.contact_id, campaign_id=sent.campaign_id, secret_key="attacker-key-0123456789-0123456789"
    )
    for bad in (forged, token[:-1] + ("x" if token[-1] != "x" else "y")):
        assert client.get(f"/unsubscribe/{bad}").status_code == 400
        assert client.post(f"/unsubscribe/{bad}").status_code == 400
    session.expire_all()
    assert session.get(Contact, sent.contact_id).email_status == "subscribed"
    assert session.exec(select(Suppression)).all() == []
    assert session.exec(select(EmailEvent)).all() == []


def test_apply_unsubscribe_is_idempotent_in_the_service(session, settings_env):
    sent = make_sent_email(session)
    token = make_unsubscribe_token(contact_id=sent.contact_id, campaign_id=sent.campaign_id)
    assert apply_unsubscribe(session=session, token=token) == UnsubscribeResult.UNSUBSCRIBED
    assert apply_unsubscribe(session=session, token=token) == UnsubscribeResult.ALREADY
    session.expire_all()
    assert session.get(EmailCampaign, sent.campaign_id).unsubscribed == 1


def test_an_sms_unsubscribe_link_opts_the_number_out(session, settings_env):
    recipient = make_sms_recipient(session)
    token = make_unsubscribe_token(contact_id=recipient.contact_id, channel="sms", campaign_id=recipient.campaign_id)
    assert apply_unsubscribe(session=session, token=token) == UnsubscribeResult.UNSUBSCRIBED
    session.expire_all()
    assert session.get(Contact, recipient.contact_id).sms_status == "opted_out"
    assert session.get(SmsCampaign, recipient.campaign_id).unsubscribed == 1
    assert session.exec(select(Suppression.channel, Suppression.address)).all() == [("sms", recipient.address)]


def test_after_unsubscribe_hard_bounce_and_stop_the_next_campaign_skips_them(client, session):
    from campaign_dashboard.models import Channel, SegmentContact, SmsCampaignRecipient
    from campaign_dashboard.services.sending.audience_snapshot import snapshot_audience
    from tests.factories import make_contact, make_email_campaign, make_segment, make_sms_campaign, random_phone
    from tests.helpers.events import post_resend, post_twilio, resend_event

    keep, leaver, bouncer = (make_contact(session, phone=random_phone()) for _ in range(3))
    first = make_email_campaign(session, status="sending")
    make_sent_email(session, campaign=first, contact=leaver)
    sent_bouncer = make_sent_email(session, campaign=first, contact=bouncer)
    stopper = make_sms_recipient(session, contact=keep)

    path = unsubscribe_url(contact_id=leaver.id, campaign_id=first.id).removeprefix(BASE_URL)
    assert client.post(path).status_code == 200
    assert post_resend(client, resend_event("email.bounced", sent_bouncer)).status_code == 200
    stop = {"MessageSid": "SMstop1", "From": stopper.address, "To": "+15005550006", "Body": "STOP"}
    assert post_twilio(client, "/webhooks/twilio/inbound", stop).status_code == 200

    segment = make_segment(session, kind="static")
    session.add_all([SegmentContact(segment_id=segment.id, contact_id=c.id) for c in (keep, leaver, bouncer)])
    session.commit()
    email_next = make_email_campaign(session, segment_id=segment.id)
    sms_next = make_sms_campaign(session, segment_id=segment.id)
    snapshot_audience(session=session, channel=Channel.EMAIL, campaign=email_next)
    snapshot_audience(session=session, channel=Channel.SMS, campaign=sms_next)
    session.commit()
    from campaign_dashboard.models import EmailCampaignRecipient

    emails = session.exec(
        select(EmailCampaignRecipient.contact_id).where(EmailCampaignRecipient.campaign_id == email_next.id)
    ).all()
    texts = session.exec(
        select(SmsCampaignRecipient.contact_id).where(SmsCampaignRecipient.campaign_id == sms_next.id)
    ).all()
    assert sorted(emails) == [keep.id]
    assert sorted(texts) == sorted([leaver.id, bouncer.id])
