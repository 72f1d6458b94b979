"""Every started campaign ends by itself, provider errors are handled as documented, and a pause
or cancel stops everything not yet handed to the provider (issue 10). Real worker processes, the
emulator (injecting the providers' documented errors) and the real SDKs."""

from __future__ import annotations

import time

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlmodel import Session, select

from campaign_dashboard.models import (
    Contact,
    EmailCampaign,
    EmailTemplate,
    Segment,
    SmsCampaign,
    SmsStatus,
    Suppression,
)
from campaign_dashboard.models.enums import Channel
from campaign_dashboard.services import campaigns
from campaign_dashboard.services.errors import ValidationFailed
from tests.helpers.processes import configure_emulator, emulator_stats
from tests.helpers.sending import (
    add_contacts,
    assert_exactly_once,
    ledger,
    make_campaign,
    start,
    wait_accepted,
    wait_for_status,
)

pytestmark = pytest.mark.xdist_group("sending")


def inject(emulator: str, **error) -> None:
    httpx.post(f"{emulator}/_emulator/inject-error", json=error, timeout=10).raise_for_status()


def settled_ledger(engine, channel: Channel, campaign_id: int, timeout: float = 30) -> dict[str, int]:
    """The ledger once the worker let go of its claims (the status changes first, then the rows)."""
    deadline = time.monotonic() + timeout
    while "claimed" in (counts := ledger(engine, channel, campaign_id)) and time.monotonic() < deadline:
        time.sleep(0.2)
    return counts


def reason_of(engine, model, campaign_id: int) -> str:
    with Session(engine) as session:
        return session.get(model, campaign_id).status_reason or ""


def test_a_used_up_daily_quota_pauses_the_campaign_with_the_reason_and_resume_finishes(
    app_env, emulator, workers, engine
):
    inject(
        emulator,
        provider="resend",
        status=429,
        name="daily_quota_exceeded",
        message="You have reached your daily email sending quota.",
    )
    add_contacts(engine, 30)
    campaign_id = make_campaign(engine, Channel.EMAIL)
    workers.start(1)
    start(engine, Channel.EMAIL, campaign_id)
    assert wait_for_status(engine, EmailCampaign, campaign_id, {"paused", "sent", "failed"}, timeout=60) == "paused"
    assert "daily_quota_exceeded" in reason_of(engine, EmailCampaign, campaign_id)
    assert settled_ledger(engine, Channel.EMAIL, campaign_id) == {"pending": 30}
    assert emulator_stats(emulator)["accepted"] == 0
    from campaign_dashboard.tasks.sending import kick

    with Session(engine) as session:  # a person resumes once the quota allows
        campaigns.apply_action(session=session, channel=Channel.EMAIL, campaign_id=campaign_id, action="resume")
    kick("email", campaign_id)
    assert wait_for_status(engine, EmailCampaign, campaign_id, {"sent", "failed"}, timeout=60) == "sent"
    assert reason_of(engine, EmailCampaign, campaign_id) == ""
    assert_exactly_once(emulator, engine, Channel.EMAIL, campaign_id, 30)


def test_an_invalid_from_address_fails_the_campaign_at_once(app_env, emulator, workers, engine):
    inject(
        emulator,
        provider="resend",
        status=422,
        name="invalid_from_address",
        times=1000,
        message="Invalid `from` field.",
    )
    add_contacts(engine, 250)
    campaign_id = make_campaign(engine, Channel.EMAIL)
    workers.start(1)
    start(engine, Channel.EMAIL, campaign_id)
    assert wait_for_status(engine, EmailCampaign, campaign_id, {"failed", "sent"}, timeout=60) == "failed"
    assert "invalid_from_address" in reason_of(engine, EmailCampaign, campaign_id)
    stats = emulator_stats(emulator)
    assert stats["accepted"] == 0
    assert stats["errors"] <= 2, "one refused request per sending chain, not 100 single sends per chunk"
    assert settled_ledger(engine, Channel.EMAIL, campaign_id) == {"pending": 250}


def test_a_number_unsubscribed_at_the_carrier_is_suppressed_here(app_env, emulator, workers, engine):
    add_contacts(engine, 5)
    httpx.post(f"{emulator}/_emulator/opt-out", json={"number": "+12125550001"}, timeout=10).raise_for_status()
    campaign_id = make_campaign(engine, Channel.SMS)
    workers.start(1)
    start(engine, Channel.SMS, campaign_id)
    assert wait_for_status(engine, SmsCampaign, campaign_id, {"sent", "failed"}, timeout=60) == "sent"
    with Session(engine) as session:
        suppression = session.exec(select(Suppression).where(Suppression.address == "+12125550001")).one()
        contact = session.exec(select(Contact).where(Contact.phone == "+12125550001")).one()
    assert suppression.channel == "sms" and suppression.reason == "provider_suppressed"
    assert contact.sms_status == SmsStatus.OPTED_OUT
    assert ledger(engine, Channel.SMS, campaign_id) == {"sent": 4, "failed": 1}


def test_a_template_that_cannot_render_fails_the_campaign_instead_of_sending_for_ever(
    app_env, emulator, workers, engine
):
    """Saved before save-time validation existed: the worker must not leave it `sending`."""
    add_contacts(engine, 20)
    with Session(engine) as session:
        template = EmailTemplate(name="old", subject="Hi", html="<p>{{ first_name | nosuchfilter }}</p>")
        session.add(template)
        session.commit()
        template_id = template.id
    campaign_id = make_campaign(engine, Channel.EMAIL, html=None, template_id=template_id)
    workers.start(1)
    start(engine, Channel.EMAIL, campaign_id)
    assert wait_for_status(engine, EmailCampaign, campaign_id, {"failed", "sent"}, timeout=60) == "failed"
    assert "html: line 1: unknown filter 'nosuchfilter'" in reason_of(engine, EmailCampaign, campaign_id)
    assert "claimed" not in settled_ledger(engine, Channel.EMAIL, campaign_id)
    assert emulator_stats(emulator)["accepted"] == 0


def test_cancel_stops_chunks_already_waiting_for_their_rate_limit_turn(app_env, emulator, workers, engine):
    """At 0.5 requests/s three chains wait up to 6 s for their turn; after Cancel none may send."""
    workers.env["RESEND_REQUESTS_PER_SECOND"] = "0.5"
    add_contacts(engine, 1500)
    campaign_id = make_campaign(engine, Channel.EMAIL)
    workers.start(1)
    from campaign_dashboard.tasks.sending import kick

    with Session(engine) as session:
        campaigns.apply_action(session=session, channel=Channel.EMAIL, campaign_id=campaign_id, action="start")
    kick("email", campaign_id, parallel=3)
    wait_accepted(emulator, 100, timeout=60)
    time.sleep(0.5)  # the other chains are now waiting for their turn
    with Session(engine) as session:
        campaigns.apply_action(session=session, channel=Channel.EMAIL, campaign_id=campaign_id, action="cancel")
    time.sleep(1.5)  # a request already handed to the provider may still land
    at_cancel = emulator_stats(emulator)["accepted"]
    time.sleep(6)
    assert emulator_stats(emulator)["accepted"] == at_cancel, "nothing waiting for its turn went out"
    counts = settled_ledger(engine, Channel.EMAIL, campaign_id)
    assert set(counts) == {"sent", "cancelled"} and counts["sent"] == at_cancel


# --- any content that can be saved ends by itself -------------------------------------------------

FRAGMENTS = [
    "Hello {{ first_name }}",
    "Hi",
    "{{ first_name }}",
    "{{ attributes.vip }}",
    "{{ city | default('there') }}",
    "<p>",
    "</p>",
    "{{ unknown_variable }}",
    "{{ first_name | nosuchfilter }}",
    "{{ 1/0 }}",
    "{{ 'x' * 50000000 }}",
    "{{ 7**6000000 }}",
    "{% if first_name == 'Name1' %}{{ 1/0 }}{% endif %}",
    "{% if first_name == 'Name2' %}{{ 'y' * 5000000 }}{% endif %}",
    "{% if first_name == 'Name0' %}{% for a in range(10000) %}{% for b in range(10000) %}"
    "{% endfor %}{% endfor %}{% endif %}",
    "{% for t in tags %}{{ t }}{% endfor %}",
    "{{ attributes.plan | upper }}",
    "{{ first_name * 400 }}",
    "{% macro m() %}{{ caller() }}{% endmacro %}",
    "{{ range(3) | join(',') }}",
]
CONTENT = st.lists(
    st.one_of(st.sampled_from(FRAGMENTS), st.sampled_from(FRAGMENTS), st.text(alphabet="{}%#|()'*1x -", max_size=12)),
    min_size=1,
    max_size=4,
).map("".join)


def test_any_content_that_can_be_saved_reaches_sent_or_failed_by_itself(
    app_env, emulator, workers, engine, monkeypatch
):
    from campaign_dashboard.config import get_settings
    from campaign_dashboard.tasks.sending import kick

    workers.env["RENDER_CPU_SECONDS"] = "0.3"
    monkeypatch.setenv("RENDER_CPU_SECONDS", "0.3")
    get_settings.cache_clear()
    add_contacts(engine, 3)
    with Session(engine) as session:
        segment = Segment(name="everyone", kind="rules", rules=[], match="all")
        session.add(segment)
        session.commit()
        segment_id = segment.id
    workers.start(1)
    ended: list[str] = []

    @settings(
        max_examples=25,
        deadline=None,
        database=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(content=CONTENT, channel=st.sampled_from([Channel.EMAIL, Channel.SMS]))
    def saved_content_ends(content: str, channel: Channel) -> None:
        data = {"name": "any", "segment_id": segment_id}
        data.update(
            {"subject": "Hi", "from_email": "news@example.com", "html": content}
            if channel == Channel.EMAIL
            else {"body": content, "from_number": "+15005550006"}
        )
        with Session(engine) as session:
            try:
                campaign_id = campaigns.create(session=session, channel=channel, data=data).id
            except ValidationFailed:
                return  # refused at save: nothing to send
            campaigns.apply_action(session=session, channel=channel, campaign_id=campaign_id, action="start")
        kick(channel.value, campaign_id)
        model = EmailCampaign if channel == Channel.EMAIL else SmsCampaign
        status = wait_for_status(engine, model, campaign_id, {"sent", "failed"}, timeout=90)
        counts = settled_ledger(engine, channel, campaign_id)  # a failed campaign's rows are let go
        assert "claimed" not in counts, counts
        if status == "sent":
            assert set(counts) <= {"sent", "failed"}, counts
        ended.append(status)

    saved_content_ends()
    print(f"{len(ended)} saved campaigns ended: {sorted(ended)}")
    assert len(ended) >= 3, "enough generated content was saved and sent to prove something"


def test_a_batch_that_can_never_go_out_fails_its_recipients_and_the_campaign(app_env, emulator, engine, monkeypatch):
    """The provider answers 500 to everything: after `send_max_attempts` claims the rows are failed
    with the last error, so the campaign ends (error budget) instead of being retried for ever."""
    from dataclasses import replace
    from datetime import timedelta

    from campaign_dashboard.config import get_settings
    from campaign_dashboard.models import EmailCampaignRecipient, utcnow
    from campaign_dashboard.providers.base import RetryableError
    from campaign_dashboard.services import sending
    from campaign_dashboard.tasks.deps import send_deps

    monkeypatch.setenv("SEND_MAX_ATTEMPTS", "1")
    get_settings.cache_clear()
    send_deps.cache_clear()
    configure_emulator(emulator, error_rate=1.0)
    deps = replace(send_deps(), sleep=lambda seconds: None)
    add_contacts(engine, 10)
    campaign_id = make_campaign(engine, Channel.EMAIL)
    with Session(engine) as session:
        campaigns.apply_action(session=session, channel=Channel.EMAIL, campaign_id=campaign_id, action="start")
    batch_id = sending.claim_batch(deps=deps, channel=Channel.EMAIL, campaign_id=campaign_id)
    with pytest.raises(RetryableError):
        sending.process_batch(deps=deps, channel=Channel.EMAIL, campaign_id=campaign_id, batch_id=batch_id)

    later = replace(deps, now=lambda: utcnow() + timedelta(seconds=deps.settings.send_lease_seconds + 1))
    assert sending.recover_expired_claims(deps=later, channel=Channel.EMAIL) == [(campaign_id, batch_id)]
    outcome = sending.process_batch(
        deps=later, channel=Channel.EMAIL, campaign_id=campaign_id, batch_id=batch_id, recovered=True
    )
    assert outcome is sending.Outcome.DONE
    with Session(engine) as session:
        campaign = session.get(EmailCampaign, campaign_id)
        rows = session.exec(
            select(EmailCampaignRecipient).where(EmailCampaignRecipient.campaign_id == campaign_id)
        ).all()
    assert campaign.status == "failed" and "Error budget" in campaign.status_reason
    assert {r.status for r in rows} == {"failed"}
    assert all("not sent after 2 attempts" in r.last_error and "Resend 500" in r.last_error for r in rows)
