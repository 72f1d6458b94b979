"""Machine opens and clicks through the real webhook route: Resend's documented payloads, signed
by svix, applied on SQLite and PostgreSQL. Raw counters count everything; the human counters,
the message's human dates and the behaviour segments leave the machines out."""

from __future__ import annotations

import copy
import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import func
from sqlmodel import select

from campaign_dashboard.models import CampaignStatsMinute, Contact, EmailCampaign, EmailEvent, SentEmail, utcnow
from tests.helpers.events import make_sent_email, post_resend, resend_event
from tests.helpers.segments import names_matching

EXAMPLES = json.loads((Path(__file__).parents[1] / "contracts" / "resend_webhook_examples.json").read_text())[
    "examples"
]
SCANNER = "Mozilla/5.0 (compatible; Barracuda Sentinel (EE))"


def documented(kind: str, sent: SentEmail, at, **click) -> dict:
    """Resend's documented example of `kind` about our message (email_id and to replaced), at `at`;
    `click` replaces fields of the documented `data.click`."""
    payload = copy.deepcopy(EXAMPLES[kind]["example"])
    stamp = at.isoformat().replace("+00:00", "Z")
    payload["created_at"] = stamp
    payload["data"].update(email_id=sent.provider_message_id, to=[sent.to_address])
    if "click" in payload["data"]:
        payload["data"]["click"].update(timestamp=stamp, **click)
    return payload


def messages(session, n: int) -> list[SentEmail]:
    """`n` emails of one campaign."""
    first = make_sent_email(session)
    campaign = session.get(EmailCampaign, first.campaign_id)
    return [first, *(make_sent_email(session, campaign=campaign) for _ in range(n - 1))]


def deliver(client, sent, *, minutes_ago: float = 60):
    at = utcnow() - timedelta(minutes=minutes_ago)
    assert post_resend(client, documented("email.delivered", sent, at)).status_code == 200
    return at


def numbers(session, sent) -> tuple[EmailCampaign, SentEmail]:
    session.expire_all()
    return session.get(EmailCampaign, sent.campaign_id), session.get(SentEmail, sent.id)


def events(session, kind: str) -> list[bool]:
    return [e.machine for e in session.exec(select(EmailEvent).where(EmailEvent.type == kind).order_by(EmailEvent.id))]


def bucket_total(session, campaign_id: int, metric: str) -> int:
    query = select(func.coalesce(func.sum(CampaignStatsMinute.count), 0)).where(
        CampaignStatsMinute.campaign_id == campaign_id, CampaignStatsMinute.metric == metric
    )
    return session.exec(query).one()


def test_an_open_the_second_the_email_arrives_is_a_proxy_and_a_later_one_a_person(client, session):
    sent = make_sent_email(session)
    delivered = deliver(client, sent)
    post_resend(client, documented("email.opened", sent, delivered + timedelta(seconds=1)))

    campaign, message = numbers(session, sent)
    assert (campaign.unique_opens, campaign.unique_human_opens) == (1, 0)
    assert message.first_opened_at is not None and message.human_opened_at is None
    assert message.last_engaged_at is None  # behaviour segments see no open yet
    assert events(session, "opened") == [True]

    post_resend(client, documented("email.opened", sent, delivered + timedelta(minutes=25)))
    campaign, message = numbers(session, sent)
    assert (campaign.opened, campaign.unique_opens, campaign.unique_human_opens) == (2, 1, 1)
    assert message.human_opened_at == delivered + timedelta(minutes=25)
    assert events(session, "opened") == [True, False]
    assert bucket_total(session, sent.campaign_id, "unique_human_opens") == 1


def test_the_documented_click_is_a_person_and_the_same_click_by_a_scanner_is_not(client, session):
    person, scanned = messages(session, 2)
    for sent in (person, scanned):
        deliver(client, sent)
    clicked_at = utcnow() - timedelta(minutes=30)
    post_resend(client, documented("email.clicked", person, clicked_at))  # Safari on a Mac, per the docs
    post_resend(client, documented("email.clicked", scanned, clicked_at, userAgent=SCANNER))

    campaign, _ = numbers(session, person)
    assert (campaign.clicked, campaign.unique_clicks, campaign.unique_human_clicks) == (2, 2, 1)
    assert session.get(SentEmail, person.id).human_clicked_at == clicked_at
    assert session.get(SentEmail, scanned.id).human_clicked_at is None
    assert session.get(SentEmail, scanned.id).last_clicked_at is None


def test_every_link_clicked_within_seconds_is_a_scanner_and_the_first_click_is_taken_back(client, session):
    sent = make_sent_email(session)
    deliver(client, sent)
    first = utcnow() - timedelta(minutes=20)
    post_resend(client, documented("email.clicked", sent, first, link="https://example.com/offer"))
    campaign, message = numbers(session, sent)
    assert campaign.unique_human_clicks == 1 and message.last_clicked_at == first  # a person, so far

    post_resend(
        client, documented("email.clicked", sent, first + timedelta(seconds=2), link="https://example.com/terms")
    )
    campaign, message = numbers(session, sent)
    assert (campaign.clicked, campaign.unique_clicks, campaign.unique_human_clicks) == (2, 1, 0)
    assert (message.human_clicked_at, message.last_clicked_at, message.last_engaged_at) == (None, None, None)
    assert events(session, "clicked") == [True, True]
    assert bucket_total(session, sent.campaign_id, "unique_human_clicks") == 0  # the chart agrees

    # The person comes back later and follows the offer: counted once again.
    back = first + timedelta(hours=2)
    post_resend(client, documented("email.clicked", sent, back, link="https://example.com/offer"))
    campaign, message = numbers(session, sent)
    assert campaign.unique_human_clicks == 1 and message.human_clicked_at == back
    assert bucket_total(session, sent.campaign_id, "unique_human_clicks") == 1


def test_two_clicks_on_the_same_link_are_a_person_double_clicking(client, session):
    sent = make_sent_email(session)
    deliver(client, sent)
    first = utcnow() - timedelta(minutes=20)
    for seconds in (0, 1):
        post_resend(client, documented("email.clicked", sent, first + timedelta(seconds=seconds)))
    campaign, _ = numbers(session, sent)
    assert (campaign.clicked, campaign.unique_human_clicks) == (2, 1)
    assert events(session, "clicked") == [False, False]


def test_an_open_carrying_a_proxy_agent_or_apples_address_is_a_machine(client, session):
    """Resend documents no `data.open`; older payloads carried one with the agent and address."""
    yahoo, apple, person = messages(session, 3)
    later = utcnow() - timedelta(minutes=5)
    for sent, agent, address in (
        (yahoo, "YahooMailProxy; https://help.yahoo.com/kb/yahoo-mail-proxy-SLN28749.html", "98.136.1.1"),
        (apple, "Mozilla/5.0", "17.58.101.9"),
        (
            person,
            "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 Mobile/15E148",
            "81.2.69.160",
        ),
    ):
        deliver(client, sent)
        payload = resend_event("email.opened", sent, at=later)
        payload["data"]["open"] = {"ipAddress": address, "timestamp": payload["created_at"], "userAgent": agent}
        assert post_resend(client, payload).status_code == 200
    campaign, _ = numbers(session, person)
    assert (campaign.unique_opens, campaign.unique_human_opens) == (3, 1)
    assert session.get(SentEmail, person.id).human_opened_at is not None


def test_behaviour_segments_count_people_not_machines(client, session):
    machine, person = messages(session, 2)
    delivered = {sent.id: deliver(client, sent) for sent in (machine, person)}
    post_resend(client, documented("email.opened", machine, delivered[machine.id] + timedelta(seconds=1)))
    post_resend(client, documented("email.opened", person, delivered[person.id] + timedelta(minutes=10)))

    def who(op: str) -> set[str]:
        session.expire_all()
        return names_matching(session, [{"field": "email_campaign", "op": op, "value": machine.campaign_id}])

    first_name = {sent.id: session.get(Contact, sent.contact_id).first_name for sent in (machine, person)}
    assert who("opened") == {first_name[person.id]}
    assert who("not_opened") == {first_name[machine.id]}  # the proxy's open proves nobody read it
