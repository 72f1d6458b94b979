"""SMS crash recovery through a Twilio Messaging Service, which picks each message's sender itself.

The lookup is tested against the real emulator with the real twilio SDK; the campaign test kills
real worker processes while they send and counts, at the emulator, every message it accepted.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
import sqlalchemy as sa
from sqlmodel import Session

from campaign_dashboard.config import EMULATOR_TWILIO_SID, EMULATOR_TWILIO_TOKEN
from campaign_dashboard.emulator import create_emulator_app, running
from campaign_dashboard.emulator.config import SENDER_POOL
from campaign_dashboard.models import Channel, Segment, SmsCampaign, SmsCampaignRecipient
from campaign_dashboard.providers.twilio_sms import TwilioSmsProvider
from tests.helpers.processes import configure_emulator, emulator_stats
from tests.helpers.sending import add_contacts, assert_exactly_once, start, wait_for_status

pytestmark = pytest.mark.xdist_group("sending")

SERVICE = "MG" + "5" * 32
DEFAULT_FROM = "+15005550006"  # the app's default TWILIO_FROM
TO = "+12125550199"


@pytest.fixture
def emulated_twilio():
    """An in-process emulator (no rate limit) and the provider the app would build for it."""
    app = create_emulator_app({"twilio_mps": 0, "resend_rps": 0, "webhooks": False})
    with running(app) as url:
        yield url, TwilioSmsProvider(account_sid=EMULATOR_TWILIO_SID, auth_token=EMULATOR_TWILIO_TOKEN, api_url=url)


def _send(provider: TwilioSmsProvider, body: str, to: str = TO) -> str:
    from campaign_dashboard.providers.base import OutgoingSms

    return provider.send(OutgoingSms(to=to, body=body, messaging_service_sid=SERVICE)).provider_message_id


def test_a_message_sent_through_a_messaging_service_is_found_by_recipient_and_text(emulated_twilio):
    url, provider = emulated_twilio
    claimed = datetime.now(UTC)
    sid = _send(provider, "Hi Ann: 20% off")

    kept = httpx.get(f"{url}/_emulator/messages", params={"to": TO}).json()
    assert kept[0]["data"]["From"] not in (DEFAULT_FROM, None)  # the service chose the sender
    assert provider.find_sent(to=TO, body="Hi Ann: 20% off", since=claimed) == sid


def test_another_text_or_a_message_from_before_the_claim_is_not_ours(emulated_twilio):
    _, provider = emulated_twilio
    _send(provider, "Last week's offer")
    _send(provider, "Hi Ann: 20% off", to="+12125550198")  # same text, someone else

    assert provider.find_sent(to=TO, body="Hi Ann: 20% off", since=datetime.now(UTC)) is None
    assert provider.find_sent(to=TO, body="Last week's offer", since=datetime.now(UTC) + timedelta(minutes=5)) is None


def test_a_claim_made_before_midnight_utc_finds_a_message_created_after_it(emulated_twilio):
    """Twilio's DateSent filters are whole UTC days: a lookup by the claim's day would miss this."""
    _, provider = emulated_twilio
    sid = _send(provider, "Hi Ann: 20% off")
    today = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)

    assert provider.find_sent(to=TO, body="Hi Ann: 20% off", since=today - timedelta(seconds=2)) == sid


def test_a_message_still_queued_in_the_service_has_no_date_sent_and_is_found(emulated_twilio):
    """The crash window: Twilio accepted the message but has not sent it yet (no date_sent)."""
    url, provider = emulated_twilio
    configure_emulator(url, webhooks=True, webhook_delay_ms=60_000, webhook_url="http://127.0.0.1:9")
    claimed = datetime.now(UTC)
    sid = _send(provider, "Hi Ann: 20% off")

    kept = httpx.get(f"{url}/_emulator/messages", params={"to": TO}).json()
    assert (kept[0]["status"], kept[0]["date_sent"]) == ("accepted", None)
    assert provider.find_sent(to=TO, body="Hi Ann: 20% off", since=claimed) == sid


def test_several_matching_messages_count_as_sent_never_as_missing(emulated_twilio):
    _, provider = emulated_twilio
    claimed = datetime.now(UTC)
    both = {_send(provider, "Flash sale today"), _send(provider, "Flash sale today")}

    assert provider.find_sent(to=TO, body="Flash sale today", since=claimed) in both


def test_a_text_with_smart_encoding_look_alikes_still_matches(emulated_twilio):
    """A Messaging Service may send curly quotes and dashes as their GSM-7 look-alikes."""
    _, provider = emulated_twilio
    claimed = datetime.now(UTC)
    sid = _send(provider, "Don't miss it - 20% off")

    assert provider.find_sent(to=TO, body="Don\u2019t miss it \u2014 20% off", since=claimed) == sid


# --- a whole campaign, workers killed while sending -------------------------------------------------


def _messaging_service_campaign(engine: sa.Engine) -> int:
    """No sender of its own: it goes out through TWILIO_MESSAGING_SERVICE_SID."""
    with Session(engine) as session:
        segment = Segment(name="everyone", kind="rules", rules=[], match="all")
        session.add(segment)
        session.commit()
        campaign = SmsCampaign(
            name="SMS sale", body="Hi {{ first_name }}: 20% off", from_number=None, segment_id=segment.id
        )
        session.add(campaign)
        session.commit()
        return campaign.id


def _kept_sms(url: str, campaign_id: int) -> list[dict]:
    return httpx.get(
        f"{url}/_emulator/messages",
        params={"campaign": str(campaign_id), "channel": "sms", "limit": 10_000},
        timeout=10,
    ).json()


def _recorded(engine: sa.Engine, campaign_id: int) -> dict[str, str]:
    """Message sid -> recipient address, for every row the workers recorded as sent."""
    with engine.connect() as conn:
        return dict(
            conn.execute(
                sa.select(SmsCampaignRecipient.provider_message_id, SmsCampaignRecipient.address).where(
                    SmsCampaignRecipient.campaign_id == campaign_id,
                    SmsCampaignRecipient.provider_message_id.is_not(None),
                )
            ).all()
        )


def _unrecorded(url: str, engine: sa.Engine, campaign_id: int) -> set[str]:
    """Sids Twilio accepted that no row records (yet): in flight, or orphaned by a kill."""
    return {m["id"] for m in _kept_sms(url, campaign_id)} - set(_recorded(engine, campaign_id))


def test_a_messaging_service_campaign_survives_worker_kills_with_zero_duplicates(
    app_env, emulator, workers, engine, monkeypatch
):
    """Twilio answers 200 ms after accepting. Each kill waits for a message Twilio accepted that no
    row records yet, so it always leaves orphans: sent, but unknown to the ledger. Recovery must
    find every orphan through the Messaging Service (record its sid) and never send it again."""
    n = 80
    app_env.update(TWILIO_MESSAGING_SERVICE_SID=SERVICE, SEND_BATCH_SIZE="10", SEND_PARALLELISM="2")
    monkeypatch.setenv("TWILIO_MESSAGING_SERVICE_SID", SERVICE)
    configure_emulator(emulator, twilio_reply_latency_ms=200)
    add_contacts(engine, n)
    campaign_id = _messaging_service_campaign(engine)
    workers.start(1)
    start(engine, Channel.SMS, campaign_id)

    orphans: list[set[str]] = []
    for target in (10, 45):
        earlier = set().union(*orphans)
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and not (
            emulator_stats(emulator)["accepted"] >= target and _unrecorded(emulator, engine, campaign_id) - earlier
        ):
            time.sleep(0.01)
        workers.kill_all()
        orphans.append(_unrecorded(emulator, engine, campaign_id) - earlier)
        workers.start(1)

    assert all(orphans), f"a kill left no accepted-but-unrecorded message: {orphans}"
    assert wait_for_status(engine, SmsCampaign, campaign_id, {"sent", "failed"}, timeout=40) == "sent"
    assert_exactly_once(emulator, engine, Channel.SMS, campaign_id, n)
    assert set().union(*orphans) <= set(_recorded(engine, campaign_id))  # found, not re-sent
    senders = {m["data"]["From"] for m in _kept_sms(emulator, campaign_id)}
    assert senders <= set(SENDER_POOL) and len(senders) > 1 and DEFAULT_FROM not in senders
