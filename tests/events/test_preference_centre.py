"""The preference centre behind the unsubscribe link: GET shows it (every time, changing nothing);
its forms leave the campaign's topic, choose topics, leave everything or take back the contact's
own unsubscribe, each change a ledger entry from the centre. A forged or foreign token, an unknown
topic, a wrong field or an oversized form is a 4xx page naming what is wrong, and changes nothing.
The RFC 8058 one-click POST still unsubscribes from everything at once."""

from __future__ import annotations

import re

import pytest
from sqlmodel import Session, col, select

from campaign_dashboard.models import ConsentEntry, Contact, EmailCampaign, Suppression, Topic, TopicOptOut
from campaign_dashboard.services.audience.opt_outs import ProviderSuppressionIn, apply_provider_suppression
from campaign_dashboard.services.events.unsubscribe import make_unsubscribe_token
from tests.factories import make_email_campaign
from tests.helpers.events import make_sent_email, make_sms_recipient

FORM = {"content-type": "application/x-www-form-urlencoded"}


@pytest.fixture
def topics(session: Session) -> dict[str, Topic]:
    rows = {
        "offers": Topic(name="Offers", description="Discounts & <deals>"),
        "news": Topic(name="Newsletter", description="Once a month"),
    }
    session.add_all(rows.values())
    session.commit()
    return rows


@pytest.fixture
def link(session: Session, topics) -> tuple[str, int, int]:
    """(the link's path, contact id, campaign id) of an email sent by a campaign about Offers."""
    campaign = make_email_campaign(session, status="sending", topic_id=topics["offers"].id)
    sent = make_sent_email(session, campaign=campaign)
    token = make_unsubscribe_token(contact_id=sent.contact_id, campaign_id=campaign.id)
    return f"/unsubscribe/{token}", sent.contact_id, campaign.id


def post(client, path: str, fields: list[tuple[str, str]], token: str | None = None):
    from urllib.parse import urlencode

    token = token or path.rsplit("/", 1)[1]
    return client.post(f"{path}/preferences", content=urlencode([("token", token), *fields]), headers=FORM)


def opted_out(session: Session, contact_id: int) -> set[tuple[str, str]]:
    session.expire_all()
    rows = session.exec(
        select(Topic.name, TopicOptOut.channel)
        .join(Topic, col(Topic.id) == col(TopicOptOut.topic_id))
        .where(TopicOptOut.contact_id == contact_id)
    ).all()
    return set(rows)


def entries(session: Session, contact_id: int) -> list[tuple[str | None, str, str]]:
    session.expire_all()
    query = select(ConsentEntry).where(ConsentEntry.contact_id == contact_id).order_by(col(ConsentEntry.id))
    return [(e.topic, e.event, e.source) for e in session.exec(query).all()]


def status(session: Session, contact_id: int) -> str:
    session.expire_all()
    return session.get(Contact, contact_id).email_status


def test_the_link_opens_the_centre_every_time_and_a_get_changes_nothing(client, session, link, topics):
    path, contact_id, _ = link
    for _ in range(3):
        page = client.get(path)
        assert page.status_code == 200
        assert "Unsubscribe from Offers" in page.text and "Unsubscribe from all emails" in page.text
        assert 'name="viewport" content="width=device-width, initial-scale=1"' in page.text
        assert "Discounts &amp; &lt;deals&gt;" in page.text  # escaped
        assert re.search(r'<input type="checkbox" id="topic-\d+" name="topic" value="\d+" checked', page.text)
        contact = session.get(Contact, contact_id)
        assert contact.email[1:] not in page.text  # the address is masked: links get forwarded
    assert status(session, contact_id) == "subscribed"
    assert opted_out(session, contact_id) == set() and entries(session, contact_id) == []


def test_leaving_the_topic_keeps_the_other_campaigns_and_lands_in_the_ledger(client, session, link):
    path, contact_id, campaign_id = link
    for _ in range(2):  # a second click changes nothing more
        page = post(client, path, [("action", "topic")])
        assert page.status_code == 200 and "You are unsubscribed from Offers." in page.text
    assert opted_out(session, contact_id) == {("Offers", "email")}
    assert status(session, contact_id) == "subscribed"
    entry = session.exec(select(ConsentEntry).where(ConsentEntry.contact_id == contact_id)).one()
    assert (entry.topic, entry.event, entry.source) == ("Offers", "opted_out", "preference_centre")
    assert entry.channel == "email"
    assert entry.client_address == "testclient" and len(entry.evidence["link_token"]) == 16
    assert session.get(EmailCampaign, campaign_id).unsubscribed == 0  # counted only for everything
    # The centre now offers Offers back as a box to tick, and no "this topic" button.
    page = client.get(path)
    assert "Unsubscribe from Offers" not in page.text


def test_choosing_topics_changes_only_what_changed(client, session, link, topics):
    path, contact_id, _ = link
    offers, news = str(topics["offers"].id), str(topics["news"].id)
    shown = [("shown", offers), ("shown", news)]
    assert post(client, path, [("action", "save"), *shown, ("topic", news)]).status_code == 200
    assert opted_out(session, contact_id) == {("Offers", "email")}
    assert post(client, path, [("action", "save"), *shown, ("topic", news)]).status_code == 200  # no change
    assert post(client, path, [("action", "save"), *shown, ("topic", offers)]).status_code == 200
    assert opted_out(session, contact_id) == {("Newsletter", "email")}
    # A topic added after the page was shown is not on the form: it is left alone.
    assert post(client, path, [("action", "save"), ("shown", news), ("topic", news)]).status_code == 200
    assert opted_out(session, contact_id) == set()
    assert entries(session, contact_id) == [
        ("Offers", "opted_out", "preference_centre"),
        ("Offers", "resubscribed", "preference_centre"),
        ("Newsletter", "opted_out", "preference_centre"),
        ("Newsletter", "resubscribed", "preference_centre"),
    ]


def test_everything_then_taking_it_back_from_the_centre(client, session, link):
    path, contact_id, campaign_id = link
    page = post(client, path, [("action", "everything")])
    assert page.status_code == 200 and "unsubscribed from all campaigns" in page.text
    assert status(session, contact_id) == "unsubscribed"
    assert session.get(EmailCampaign, campaign_id).unsubscribed == 1
    assert "Receive campaign emails from us again" in client.get(path).text

    assert post(client, path, [("action", "save"), ("resubscribe", "1")]).status_code == 200
    assert status(session, contact_id) == "subscribed"
    assert session.exec(select(Suppression)).all() == []
    assert entries(session, contact_id) == [
        (None, "opted_out", "preference_centre"),
        (None, "resubscribed", "preference_centre"),
    ]


def test_the_one_click_post_unsubscribes_from_everything_and_the_centre_lifts_it(client, session, link):
    path, contact_id, _ = link
    assert client.post(path, content="List-Unsubscribe=One-Click", headers=FORM).status_code == 200
    assert status(session, contact_id) == "unsubscribed"
    assert opted_out(session, contact_id) == set()  # everything, not only the campaign's topic
    assert post(client, path, [("action", "save"), ("resubscribe", "1")]).status_code == 200
    assert status(session, contact_id) == "subscribed"
    assert entries(session, contact_id) == [
        (None, "opted_out", "one_click_unsubscribe"),
        (None, "resubscribed", "preference_centre"),
    ]
    # The same link still works: the contact's latest action wins.
    assert client.post(path, content="List-Unsubscribe=One-Click", headers=FORM).status_code == 200
    assert status(session, contact_id) == "unsubscribed"


def test_the_centre_never_lifts_a_hard_bounce(client, session, link):
    path, contact_id, _ = link
    address = session.get(Contact, contact_id).email
    event = ProviderSuppressionIn(provider_event_id="evt-centre-1", address=address, origin="bounce")
    apply_provider_suppression(session=session, event=event)
    post(client, path, [("action", "everything")])
    before = entries(session, contact_id)

    page = client.get(path)
    assert "could not be delivered" in page.text and "again</label>" not in page.text
    refused = post(client, path, [("action", "save"), ("resubscribe", "1")])
    assert refused.status_code == 400 and "could not be delivered" in refused.text
    assert status(session, contact_id) != "subscribed"
    assert entries(session, contact_id) == before


def test_an_sms_link_opens_the_centre_for_text_messages(client, session, topics):
    recipient = make_sms_recipient(session)
    token = make_unsubscribe_token(contact_id=recipient.contact_id, channel="sms", campaign_id=recipient.campaign_id)
    page = client.get(f"/unsubscribe/{token}")
    assert page.status_code == 200 and "Unsubscribe from all text messages" in page.text
    path = f"/unsubscribe/{token}"
    shown = [("shown", str(topics["offers"].id))]
    assert post(client, path, [("action", "save"), *shown]).status_code == 200
    assert opted_out(session, recipient.contact_id) == {("Offers", "sms")}


@pytest.mark.parametrize(
    ("fields", "named"),
    [
        ([("action", "delete-everyone")], "action"),
        ([], "action"),
        ([("action", "save"), ("action", "topic")], "action"),
        ([("action", "save"), ("shown", "1 OR 1=1")], "shown"),
        ([("action", "save"), ("shown", "9" * 5000)], "shown"),
        ([("action", "save"), ("topic", "-3")], "topic"),
        ([("action", "save"), ("resubscribe", "yes")], "resubscribe"),
        ([("action", "save"), ("contact_id", "1")], "contact_id"),
    ],
)
def test_a_bad_field_is_a_400_naming_it_and_changes_nothing(client, session, link, fields, named):
    path, contact_id, _ = link
    page = post(client, path, fields)
    assert page.status_code == 400 and f"{named}:" in page.text
    assert status(session, contact_id) == "subscribed"
    assert opted_out(session, contact_id) == set() and entries(session, contact_id) == []


def test_unknown_topics_forged_and_foreign_tokens_and_oversized_forms_change_nothing(client, session, link, topics):
    path, contact_id, campaign_id = link
    token = path.rsplit("/", 1)[1]
    offers = str(topics["offers"].id)

    unknown = post(client, path, [("action", "save"), ("shown", offers), ("shown", "424242")])
    assert unknown.status_code == 400 and "no longer exists" in unknown.text
    not_shown = post(client, path, [("action", "save"), ("topic", offers)])
    assert not_shown.status_code == 400 and "not on the page" in not_shown.text

    forged = make_unsubscribe_token(
        contact_id=contact_id, campaign_id=campaign_id, secret_key="attacker-key-0123456789-0123456789"
    )
    for bad in (forged, token[:-1] + ("x" if token[-1] != "x" else "y")):
        assert client.get(f"/unsubscribe/{bad}").status_code == 400
        assert post(client, f"/unsubscribe/{bad}", [("action", "everything")]).status_code == 400
    other = make_unsubscribe_token(contact_id=contact_id + 1000, campaign_id=campaign_id)
    foreign = post(client, path, [("action", "everything")], token=other)  # a form built for another link
    assert foreign.status_code == 400 and "token:" in foreign.text
    gone = make_unsubscribe_token(contact_id=contact_id + 1000, campaign_id=campaign_id)
    assert client.get(f"/unsubscribe/{gone}").status_code == 400  # names a contact that does not exist

    huge = client.post(f"{path}/preferences", content="action=save&" + "shown=1&" * 9000, headers=FORM)
    assert huge.status_code == 413
    many = "&".join([f"token={token}", "action=save", *["shown=1"] * 500])
    assert client.post(f"{path}/preferences", content=many, headers=FORM).status_code == 400
    assert client.post(f"{path}/preferences", content=b"token=\xff\xfe", headers=FORM).status_code == 400

    assert status(session, contact_id) == "subscribed"
    assert opted_out(session, contact_id) == set() and entries(session, contact_id) == []
