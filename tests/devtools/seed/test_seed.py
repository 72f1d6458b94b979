"""Demo data: an empty database gets believable data in every status, exactly once."""

from __future__ import annotations

from collections import Counter

import phonenumbers
import pytest
from sqlalchemy import func
from sqlmodel import Session, SQLModel, select

from campaign_dashboard.db import make_engine
from campaign_dashboard.devtools.seed import seed_demo
from campaign_dashboard.models import (
    CampaignStatus,
    Contact,
    ContactTag,
    EmailCampaign,
    EmailCampaignRecipient,
    EmailTemplate,
    RecipientStatus,
    Segment,
    SegmentContact,
    SmsCampaign,
    SmsCampaignRecipient,
    Suppression,
    User,
)
from campaign_dashboard.services.accounts.users import authenticate

R = RecipientStatus
# Written out here rather than imported, so a wrong definition in the code cannot pass unnoticed:
# a message counts as sent once the provider took it, whatever happened next (a bounce included);
# as delivered once it reached the mailbox or phone (a complaint too: the mail was received).
SENT = (R.SENT, R.DELIVERED, R.OPENED, R.CLICKED, R.BOUNCED, R.COMPLAINED)
DELIVERED = (R.DELIVERED, R.OPENED, R.CLICKED, R.COMPLAINED)
CHANNELS = ((EmailCampaign, EmailCampaignRecipient), (SmsCampaign, SmsCampaignRecipient))


def count(session: Session, model) -> int:
    return session.exec(select(func.count()).select_from(model)).one()


@pytest.fixture
def seeded(session: Session) -> Session:
    assert seed_demo(session=session, contacts=400, create_admin=True) is not None
    return session


def test_every_campaign_status_is_shown_on_both_channels(seeded):
    for campaign_model, _ in CHANNELS:
        statuses = {c.status for c in seeded.exec(select(campaign_model)).all()}
        assert statuses == {s.value for s in CampaignStatus}


def test_counters_agree_with_the_recipient_ledger(seeded):
    for campaign_model, recipient_model in CHANNELS:
        for campaign in seeded.exec(select(campaign_model)).all():
            ledger = Counter(
                seeded.exec(select(recipient_model.status).where(recipient_model.campaign_id == campaign.id)).all()
            )
            c = campaign
            assert c.recipients == sum(ledger.values()), c.name
            assert c.sent == sum(ledger[s] for s in SENT), c.name
            assert c.delivered == sum(ledger[s] for s in DELIVERED), c.name
            assert c.failed == ledger[R.FAILED], c.name
            assert c.bounced == ledger[R.BOUNCED], c.name
            assert c.unique_opens == ledger[R.OPENED] + ledger[R.CLICKED], c.name
            assert c.unique_clicks == ledger[R.CLICKED], c.name
            assert c.processed == c.recipients - ledger[R.PENDING], c.name
            # and plausible among themselves
            assert c.delivered + c.bounced <= c.sent, c.name
            assert c.sent + c.failed <= c.processed <= c.recipients, c.name
            assert c.unique_clicks <= c.unique_opens <= c.delivered, c.name
            assert c.unique_opens <= c.opened and c.unique_clicks <= c.clicked, c.name
            assert max(c.complained, c.unsubscribed, c.replied) <= c.delivered, c.name
            assert c.unique_human_opens <= c.unique_opens and c.unique_human_clicks <= c.unique_clicks, c.name


def test_the_demo_has_machine_opens_and_clicks_and_its_human_counters_agree_with_its_messages(seeded):
    """Some demo opens are a privacy proxy's and some clicks a scanner's, as the event path would
    record them: the human counters are the messages with a human first open or click."""
    from sqlalchemy import func

    from campaign_dashboard.models import EmailEvent, SentEmail

    below = 0
    for c in seeded.exec(select(EmailCampaign)).all():
        of_c = SentEmail.campaign_id == c.id
        humans = seeded.exec(select(func.count()).where(of_c, SentEmail.human_opened_at.is_not(None))).one()
        clickers = seeded.exec(select(func.count()).where(of_c, SentEmail.human_clicked_at.is_not(None))).one()
        assert (c.unique_human_opens, c.unique_human_clicks) == (humans, clickers), c.name
        below += c.unique_human_opens < c.unique_opens
        scanned = seeded.exec(
            select(SentEmail.recipient_id).where(
                of_c, SentEmail.first_clicked_at.is_not(None), SentEmail.human_clicked_at.is_(None)
            )
        ).all()
        flagged = seeded.exec(
            select(EmailEvent.recipient_id).where(EmailEvent.campaign_id == c.id, EmailEvent.machine)
        ).all()
        assert set(scanned) == set(flagged), c.name  # a scanner's clicks are marked as such
    assert below  # the demo shows human rates below the raw ones


def test_campaigns_have_the_data_their_status_implies(seeded):
    for campaign_model, _ in CHANNELS:
        for c in seeded.exec(select(campaign_model)).all():
            if c.status in (CampaignStatus.DRAFT, CampaignStatus.SCHEDULED):
                assert c.recipients == 0 and c.started_at is None, c.name
            else:
                assert c.recipients > 0 and c.started_at is not None, c.name
            if c.status == CampaignStatus.SCHEDULED:
                assert c.scheduled_at is not None and c.scheduled_at > c.created_at, c.name
            if c.status == CampaignStatus.SENT:
                assert c.processed == c.recipients and c.sent > 0 and c.delivered > 0, c.name
            if c.status in (CampaignStatus.SENDING, CampaignStatus.PAUSED):
                assert 0 < c.processed < c.recipients, c.name
            if c.status == CampaignStatus.FAILED:
                assert c.status_reason, c.name


def test_contacts_look_real_but_cannot_reach_anyone(seeded):
    contacts = seeded.exec(select(Contact)).all()
    assert len(contacts) == 400
    assert len({c.email for c in contacts}) == 400
    for c in contacts:
        assert c.email.endswith(("@example.com", "@example.org"))
        assert c.first_name and c.last_name and c.timezone.startswith("America/")
        assert {"plan", "city"} <= set(c.attributes)
        if c.phone:
            number = phonenumbers.parse(c.phone)
            assert phonenumbers.is_valid_number(number) and c.phone[5:9] == "5550"  # 555-01XX: fictional
    tags = set(seeded.exec(select(ContactTag.tag)).all())
    assert {"vip", "newsletter", "trial"} <= tags


def test_nobody_suppressed_is_among_the_recipients(seeded):
    for channel, recipient_model in (("email", EmailCampaignRecipient), ("sms", SmsCampaignRecipient)):
        suppressed = set(seeded.exec(select(Suppression.address).where(Suppression.channel == channel)).all())
        addresses = set(seeded.exec(select(recipient_model.address)).all())
        assert suppressed and addresses and not (suppressed & addresses)


def test_segments_and_templates_exist(seeded):
    segments = seeded.exec(select(Segment)).all()
    assert {s.kind for s in segments} == {"rules", "static"}
    assert count(seeded, SegmentContact) > 0
    assert count(seeded, EmailTemplate) >= 1
    assert any(c.template_id for c in seeded.exec(select(EmailCampaign)).all())


def test_seeding_twice_changes_nothing(seeded):
    before = {m.__name__: count(seeded, m) for m in (Contact, EmailCampaign, SmsCampaign, EmailCampaignRecipient)}
    assert seed_demo(session=seeded, contacts=400) is None
    after = {m.__name__: count(seeded, m) for m in (Contact, EmailCampaign, SmsCampaign, EmailCampaignRecipient)}
    assert before == after


def test_the_demo_admin_can_log_in(seeded):
    assert authenticate(session=seeded, email="admin@example.com", password="admin").role == "admin"


def test_no_demo_admin_outside_development(session):
    # the test suite runs with ENV=test
    seed_demo(session=session, contacts=50)
    assert session.exec(select(User)).all() == []


def test_the_same_seed_gives_the_same_data(tmp_path):
    def snapshot(n: int) -> list[tuple]:
        engine = make_engine(f"sqlite:///{tmp_path}/seed{n}.db")
        SQLModel.metadata.create_all(engine)
        with Session(engine) as session:
            seed_demo(session=session, contacts=200, create_admin=False)
            rows = [
                (c.name, c.status, c.recipients, c.sent, c.delivered, c.opened, c.clicked, c.replied)
                for model, _ in CHANNELS
                for c in session.exec(select(model).order_by(model.id)).all()
            ]
            rows += session.exec(select(Contact.email, Contact.phone).order_by(Contact.id)).all()
        engine.dispose()
        return rows

    assert snapshot(1) == snapshot(2)


def test_minute_buckets_add_up_to_the_counters_within_the_campaign_time(seeded):
    """The charts and the overview's periods read the buckets: they must tell what the counters do."""
    from datetime import timedelta

    from campaign_dashboard.models import CampaignStatsMinute, utcnow

    metrics = (
        "sent",
        "delivered",
        "failed",
        "opened",
        "unique_opens",
        "clicked",
        "unique_clicks",
        "unique_human_opens",
        "unique_human_clicks",
        "bounced",
        "complained",
        "unsubscribed",
        "replied",
    )
    now = utcnow()
    for channel, (campaign_model, _) in zip(("email", "sms"), CHANNELS, strict=True):
        for c in seeded.exec(select(campaign_model)).all():
            buckets = seeded.exec(
                select(CampaignStatsMinute).where(
                    CampaignStatsMinute.channel == channel, CampaignStatsMinute.campaign_id == c.id
                )
            ).all()
            sums = Counter()
            for b in buckets:
                sums[b.metric] += b.count
                assert c.started_at - timedelta(minutes=1) < b.minute <= now, c.name
                assert b.minute <= c.last_activity_at, c.name
            assert {m: sums[m] for m in metrics} == {m: getattr(c, m) for m in metrics}, c.name
    assert count(seeded, CampaignStatsMinute) > 0


def test_every_demo_click_is_an_event_with_its_link(seeded):
    """The top links chart and the event feed read click events: one per counted click."""
    from campaign_dashboard.models import EmailEvent

    clicked_any = False
    for c in seeded.exec(select(EmailCampaign)).all():
        events = seeded.exec(select(EmailEvent).where(EmailEvent.campaign_id == c.id)).all()
        assert len(events) == (c.clicked if c.unique_clicks else 0), c.name
        assert len({e.recipient_id for e in events}) == c.unique_clicks, c.name
        clickers = set(
            seeded.exec(
                select(EmailCampaignRecipient.id).where(
                    EmailCampaignRecipient.campaign_id == c.id, EmailCampaignRecipient.status == R.CLICKED
                )
            ).all()
        )
        assert {e.recipient_id for e in events} == clickers, c.name
        assert all(e.type == "clicked" and e.link.startswith("https://example.com/") for e in events), c.name
        assert all(c.started_at <= e.occurred_at <= e.received_at <= c.last_activity_at for e in events), c.name
        clicked_any = clicked_any or bool(events)
    assert clicked_any


def test_the_demo_shows_a_campaign_paused_by_the_reputation_breaker(seeded):
    """Its reason carries the breaker's numbers, the audit log says the system paused it, and its
    hard bounces are in the minute buckets the breaker reads."""
    from campaign_dashboard.models import AuditEntry, CampaignStatsMinute

    tripped = seeded.exec(select(EmailCampaign).where(EmailCampaign.breaker == "tripped")).one()
    assert tripped.status == CampaignStatus.PAUSED
    assert tripped.status_reason.startswith("Paused by the reputation breaker: ")
    assert "hard bounces" in tripped.status_reason and "(the limit is 5%)" in tripped.status_reason
    entry = seeded.exec(select(AuditEntry).where(AuditEntry.object_id == str(tripped.id))).one()
    assert (entry.action, entry.actor_label) == ("email_campaign.pause", "system: reputation breaker")
    hard = seeded.exec(
        select(func.sum(CampaignStatsMinute.count)).where(
            CampaignStatsMinute.campaign_id == tripped.id,
            CampaignStatsMinute.channel == "email",
            CampaignStatsMinute.metric == "hard_bounced",
        )
    ).one()
    assert hard == tripped.bounced > 0


def test_the_demo_schedules_a_campaign_at_each_contacts_local_time(seeded):
    guide = seeded.exec(select(EmailCampaign).where(EmailCampaign.name == "Holiday gift guide")).one()
    assert (guide.status, guide.local_send_time, guide.local_time_zone) == ("scheduled", "09:00", "America/New_York")


def test_the_demo_has_topics_their_leavers_out_of_each_audience_and_a_ledger_history(seeded):
    from sqlmodel import col

    from campaign_dashboard.models import ConsentEntry, Topic, TopicOptOut
    from campaign_dashboard.services.audience import consent_rules

    topics = {t.id: t.name for t in seeded.exec(select(Topic)).all()}
    assert {"Newsletter", "Offers"} <= set(topics.values())
    left = seeded.exec(select(TopicOptOut)).all()
    assert left, "some contacts left a topic"
    by_topic = {(o.channel, o.topic_id) for o in left}
    for campaign_model, recipient_model in CHANNELS:
        channel = "email" if campaign_model is EmailCampaign else "sms"
        with_topic = [c for c in seeded.exec(select(campaign_model)).all() if c.topic_id]
        assert with_topic
        for campaign in with_topic:
            leavers = {o.contact_id for o in left if (o.channel, o.topic_id) == (channel, campaign.topic_id)}
            got = set(seeded.exec(select(recipient_model.contact_id).where(recipient_model.campaign_id == campaign.id)))
            assert not (leavers & got), campaign.name
    assert ("email", next(i for i, n in topics.items() if n == "Offers")) in by_topic

    entries = seeded.exec(select(ConsentEntry).order_by(col(ConsentEntry.id))).all()
    kinds = {(e.event, e.source) for e in entries}
    assert {
        ("opted_in", "csv_import"),
        ("opted_out", "preference_centre"),
        ("resubscribed", "preference_centre"),
    } <= kinds
    assert {("opted_out", "one_click_unsubscribe"), ("opted_out", "keyword")} <= kinds
    assert [e.occurred_at for e in entries] == sorted(e.occurred_at for e in entries)
    for out in left:  # every topic opt-out has its entry from the preference centre
        assert any(
            e.contact_id == out.contact_id and e.topic == topics[out.topic_id] and e.event == "opted_out"
            for e in entries
        )
    # The ledger agrees with the rules: an unsubscribed demo contact is blocked by their own click.
    unsubscribed = seeded.exec(select(Contact).where(Contact.email_status == "unsubscribed")).first()
    found = consent_rules.blocks(session=seeded, contact=unsubscribed, channel="email")
    assert found and found[0].source == "one_click_unsubscribe"


def test_the_demo_shows_a_finished_ab_test_with_a_winner(seeded):
    """Split as a real start splits it, each group sent its own subject, the remainder the winner's
    after the decision; the decision is the judge's on the numbers the rows give."""
    from campaign_dashboard.models import AbTest, SentEmail
    from campaign_dashboard.models.ab_tests import REMAINDER
    from campaign_dashboard.services.campaigns.ab_decision import judge
    from campaign_dashboard.services.stats.variant_rates import variant_rates

    test = seeded.exec(select(AbTest)).one()
    campaign = seeded.get(EmailCampaign, test.campaign_id)
    assert campaign.status == "sent" and test.decided_at is not None and test.winner is not None
    groups = Counter(
        seeded.exec(select(EmailCampaignRecipient.ab_group).where(EmailCampaignRecipient.campaign_id == campaign.id))
    )
    tested = groups[0] + groups[1]
    assert abs(groups[0] - groups[1]) <= 1 and tested == (campaign.recipients * 20 + 50) // 100
    numbers = variant_rates(session=seeded, channel="email", campaign_id=campaign.id)
    assert test.decision == {**judge(numbers, 2, "open_rate"), "by": "the wait ended"}
    assert test.decision["variants"][test.winner]["rate"] > test.decision["variants"][1 - test.winner]["rate"]
    winner_subject = test.variants[test.winner]["subject"].split("{{")[-1].split("}}")[-1].strip()
    remainder = seeded.exec(
        select(SentEmail.subject, EmailCampaignRecipient.sent_at)
        .join(EmailCampaignRecipient, EmailCampaignRecipient.id == SentEmail.recipient_id)
        .where(EmailCampaignRecipient.campaign_id == campaign.id, EmailCampaignRecipient.ab_group == REMAINDER)
    ).all()
    assert remainder and all(s.endswith(winner_subject) and at >= test.decided_at for s, at in remainder)


def test_the_demo_has_behaviour_segments_and_a_follow_up_to_those_who_did_not_open(seeded):
    """Segments on what contacts did (counted by the rules' own SQL) and a draft follow-up whose
    frozen audience is exactly the November newsletter's recipients who did not open it."""
    from campaign_dashboard.models import SegmentContact, SentEmail
    from campaign_dashboard.services.audience.segment_rules import count_contacts

    november = seeded.exec(select(EmailCampaign).where(EmailCampaign.name == "November newsletter")).one()
    engaged = seeded.exec(select(Segment).where(Segment.name == "Opened an email in the last 30 days")).one()
    skipped = seeded.exec(select(Segment).where(Segment.name == "Did not open the November newsletter")).one()
    assert 0 < count_contacts(session=seeded, segment=engaged) < len(seeded.exec(select(Contact)).all())
    assert count_contacts(session=seeded, segment=skipped) > 0

    follow_up = seeded.exec(select(EmailCampaign).where(EmailCampaign.follow_up_of == november.id)).one()
    assert (follow_up.status, follow_up.follow_up_audience) == ("draft", "not_opened")
    assert follow_up.subject == "In case you missed it: our November news"
    frozen = set(
        seeded.exec(select(SegmentContact.contact_id).where(SegmentContact.segment_id == follow_up.segment_id))
    )
    unopened = set(
        seeded.exec(
            select(SentEmail.contact_id).where(
                SentEmail.campaign_id == november.id, SentEmail.last_engaged_at.is_(None)
            )
        )
    )
    assert frozen and frozen <= unopened  # (those since unsubscribed or suppressed are left out)


def test_the_demo_has_confirmed_and_pending_sign_ups(seeded):
    from campaign_dashboard.models import ConsentEntry, PendingSignup, utcnow

    confirmed = seeded.exec(select(ConsentEntry).where(ConsentEntry.source == "double_opt_in")).all()
    assert len(confirmed) == 6
    for entry in confirmed:
        contact = seeded.get(Contact, entry.contact_id)
        assert contact.email == entry.address and contact.email_status == "subscribed"
        assert entry.event == "confirmed" and entry.evidence["topics"] == ["Newsletter"]
    pending = seeded.exec(select(PendingSignup)).all()
    assert len(pending) == 2 and all(p.expires_at > utcnow() and p.confirmed_at is None for p in pending)
