"""Topics end to end: real workers send through the emulator, and contacts follow the unsubscribe
link of the email they received to the real web app. Those who leave the campaign's topic in the
preference centre get nothing from the next campaign about it and still get the other topics'
campaigns and texts; one-click unsubscribes from every email."""

from __future__ import annotations

import re

import httpx
import pytest
from sqlmodel import Session

from campaign_dashboard.models import Channel, EmailCampaign, SmsCampaign, Topic
from tests.helpers.processes import emulator_stats
from tests.helpers.sending import add_contacts, ledger, make_campaign, start, wait_for_status

pytestmark = pytest.mark.xdist_group("sending")

CONTACTS = 12
TOPIC_LEAVERS = {f"c{i}@example.com" for i in range(4)}
ONE_CLICK = "c4@example.com"


def _send(engine, emulator: str, channel: Channel, campaign_id: int) -> dict[str, int]:
    """Start the campaign, wait until it is sent; what the emulator accepted for it, by address."""
    before = emulator_stats(emulator)["by_address"]
    start(engine, channel, campaign_id)
    model = EmailCampaign if channel is Channel.EMAIL else SmsCampaign
    assert wait_for_status(engine, model, campaign_id, {"sent", "failed"}) == "sent"
    after = emulator_stats(emulator)["by_address"]
    assert emulator_stats(emulator)["duplicates"] == 0
    return {a: n - before.get(a, 0) for a, n in after.items() if n != before.get(a, 0)}


def _link(emulator: str, address: str, web_app: str) -> str:
    """The unsubscribe link of the email the address received (its List-Unsubscribe URL)."""
    messages = httpx.get(f"{emulator}/_emulator/messages", params={"to": address}, timeout=10).json()
    message = messages[0] if isinstance(messages, list) else messages["items"][0]
    found = re.search(re.escape(web_app) + r"/unsubscribe/[A-Za-z0-9_.\-]+", str(message["data"]))
    assert found, message
    return found.group(0)


def test_contacts_who_leave_a_topic_get_none_of_its_campaigns_and_the_rest(web_app, app_env, emulator, workers, engine):
    add_contacts(engine, CONTACTS)
    with Session(engine) as session:
        offers, news = Topic(name="Offers"), Topic(name="Newsletter")
        session.add_all([offers, news])
        session.commit()
        offers_id, news_id = offers.id, news.id
    emails = {f"c{i}@example.com" for i in range(CONTACTS)}
    phones = {f"+1212555{i:04d}" for i in range(CONTACTS)}
    workers.start(1)

    first = make_campaign(engine, Channel.EMAIL, topic_id=offers_id)
    assert _send(engine, emulator, Channel.EMAIL, first) == dict.fromkeys(emails, 1)

    for address in sorted(TOPIC_LEAVERS):
        link = _link(emulator, address, web_app)
        centre = httpx.get(link, timeout=10)
        assert centre.status_code == 200 and "Unsubscribe from Offers" in centre.text
        token = link.rsplit("/", 1)[1]
        left = httpx.post(f"{link}/preferences", data={"token": token, "action": "topic"}, timeout=10)
        assert left.status_code == 200 and "You are unsubscribed from Offers." in left.text
    one_click = httpx.post(_link(emulator, ONE_CLICK, web_app), content="List-Unsubscribe=One-Click", timeout=10)
    assert one_click.status_code == 200

    # The next offer skips them; the newsletter skips only the one-click unsubscribe.
    second = make_campaign(engine, Channel.EMAIL, topic_id=offers_id)
    assert _send(engine, emulator, Channel.EMAIL, second) == dict.fromkeys(emails - TOPIC_LEAVERS - {ONE_CLICK}, 1)
    assert ledger(engine, Channel.EMAIL, second) == {"sent": CONTACTS - len(TOPIC_LEAVERS) - 1}
    newsletter = make_campaign(engine, Channel.EMAIL, topic_id=news_id)
    assert _send(engine, emulator, Channel.EMAIL, newsletter) == dict.fromkeys(emails - {ONE_CLICK}, 1)

    # They left Offers by email only: a text about Offers still reaches every phone.
    texts = make_campaign(engine, Channel.SMS, topic_id=offers_id)
    assert _send(engine, emulator, Channel.SMS, texts) == dict.fromkeys(phones, 1)
