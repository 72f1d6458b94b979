"""Sign-up with double opt-in through the real app, the real database (SQLite and PostgreSQL) and
the emulator as Resend: the form's answer never tells who is subscribed, the confirmation email
arrives at once and its link confirms only by POST, a confirmed sign-up subscribes (and lifts what
the contact may lift), and the protections hold: honeypot, rate limits (429), one email an hour."""

from __future__ import annotations

import re
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from sqlmodel import col, select

from campaign_dashboard.config import EMULATOR_RESEND_KEY, get_settings
from campaign_dashboard.models import (
    ConsentEntry,
    Contact,
    EmailStatus,
    PendingSignup,
    SmsStatus,
    Suppression,
    Topic,
    TopicOptOut,
    utcnow,
)
from campaign_dashboard.providers.resend_email import ResendEmailProvider
from campaign_dashboard.services.audience import opt_outs, tombstones
from campaign_dashboard.services.audience.signups import NEUTRAL_ANSWER

FORM = {"content-type": "application/x-www-form-urlencoded"}
LINK = re.compile(r"https?://[^\s\"<>]+/signup/confirm/([A-Za-z0-9_-]+)")


@pytest.fixture
def app_client(client, emu, send_email):
    """The API client whose confirmation emails go to the emulator."""
    client.app.state.signup_email_provider = ResendEmailProvider(api_key=EMULATOR_RESEND_KEY, api_url=emu.url)
    return client


@pytest.fixture
def topics(db) -> dict[str, int]:
    with db() as session:
        rows = [Topic(name="Newsletter"), Topic(name="Offers"), Topic(name="Events")]
        session.add_all(rows)
        session.flush()
        return {t.name: t.id for t in rows}


def sign_up(client, **fields):
    return client.post("/signup", json={"email": "ann@example.com", "first_name": "Ann", **fields})


def mails(emu, to: str = "ann@example.com") -> list[dict]:
    return [m for m in emu.messages(to=to) if m["data"].get("subject") == "Confirm your subscription"]


def link_of(message: dict) -> str:
    match = LINK.search(message["data"]["text"])
    assert match, message["data"]["text"]
    assert match.group(0) in message["data"]["html"]
    return f"/signup/confirm/{match.group(1)}"


def contact(db, email: str = "ann@example.com") -> Contact | None:
    with db() as session:
        return session.exec(select(Contact).where(Contact.email == email)).first()


def ledger(db, contact_id: int) -> list[ConsentEntry]:
    with db() as session:
        query = select(ConsentEntry).where(ConsentEntry.contact_id == contact_id).order_by(col(ConsentEntry.id))
        return list(session.exec(query).all())


def test_a_new_address_gets_a_link_that_subscribes_only_when_its_page_is_posted(app_client, emu, db, topics):
    answer = sign_up(app_client, topic_ids=[topics["Offers"]])
    assert answer.status_code == 200
    assert answer.json() == {"status": "check_your_inbox", "message": NEUTRAL_ANSWER}

    [mail] = mails(emu)
    assert mail["data"]["to"] == ["ann@example.com"] and mail["data"]["from"] == get_settings().email_from
    path = link_of(mail)
    with db() as session:
        row = session.exec(select(PendingSignup)).one()
        assert path.rsplit("/", 1)[1] not in (row.token_hash, row.email)  # only a hash is kept

    for _ in range(2):  # a mail scanner following the link changes nothing
        page = app_client.get(path)
        assert page.status_code == 200
        assert "a•••@example.com" in page.text and "Offers" in page.text
        assert "Confirm my subscription" in page.text
    assert contact(db) is None

    done = app_client.post(path)
    assert done.status_code == 200 and "You are subscribed" in done.text
    ann = contact(db)
    assert ann is not None and ann.email_status == EmailStatus.SUBSCRIBED and ann.first_name == "Ann"
    with db() as session:  # a new contact receives the topic it chose, not the others
        left = session.exec(select(TopicOptOut.topic_id).where(TopicOptOut.contact_id == ann.id)).all()
    assert set(left) == {topics["Newsletter"], topics["Events"]}
    [confirmed] = [e for e in ledger(db, ann.id) if e.event == "confirmed"]
    assert (confirmed.channel, confirmed.source, confirmed.topic) == ("email", "double_opt_in", None)
    assert confirmed.client_address == "testclient"
    assert confirmed.evidence["signup_client_address"] == "testclient"
    assert len(confirmed.evidence["signup_token"]) == 16 and confirmed.evidence["topics"] == ["Offers"]

    count = len(ledger(db, ann.id))
    again = app_client.post(path)  # a second click
    assert again.status_code == 200 and "Already confirmed" in again.text
    assert len(ledger(db, ann.id)) == count


def test_the_answer_is_the_same_whoever_the_address_is(app_client, emu, db):
    with db() as session:
        session.add(Contact(email="sub@example.com"))
        session.add(Contact(email="gone@example.com", email_status=EmailStatus.UNSUBSCRIBED))
        session.add(Contact(email="spam@example.com", email_status=EmailStatus.COMPLAINED))
        opt_outs.suppress(
            session=session, channel="email", address="spam@example.com", reason=opt_outs.COMPLAINT, source="t"
        )
        session.add(Contact(email="bounced@example.com", email_status=EmailStatus.BOUNCED))
        opt_outs.suppress(
            session=session, channel="email", address="bounced@example.com", reason=opt_outs.HARD_BOUNCE, source="t"
        )
    sign_up(app_client, email="pending@example.com")
    addresses = ["new@example.com", "pending@example.com", "sub@example.com", "gone@example.com"]
    addresses += ["spam@example.com", "bounced@example.com"]

    json_answers = {sign_up(app_client, email=a).text for a in addresses}
    form_answers = {
        re.sub(r"\s+", " ", app_client.post("/signup", content=urlencode({"email": a}), headers=FORM).text)
        for a in addresses
    }

    assert json_answers == {f'{{"status":"check_your_inbox","message":"{NEUTRAL_ANSWER}"}}'}
    assert len(form_answers) == 1 and "Check your inbox" in form_answers.pop()
    assert not mails(emu, "bounced@example.com")  # a hard bounce is not mailed again
    assert len(mails(emu, "spam@example.com")) == 1  # the only way back after a complaint


def test_a_filled_honeypot_keeps_and_sends_nothing(app_client, emu, db):
    answer = app_client.post(
        "/signup", content=urlencode({"email": "ann@example.com", "website": "http://spam"}), headers=FORM
    )
    assert answer.status_code == 200 and "Check your inbox" in answer.text
    assert not mails(emu)
    with db() as session:
        assert session.exec(select(PendingSignup)).first() is None


def test_one_confirmation_email_an_hour_and_the_first_link_keeps_what_was_asked(app_client, emu, db, topics):
    sign_up(app_client, topic_ids=[topics["Offers"]])
    first = link_of(mails(emu)[0])
    again = sign_up(app_client, first_name="Mallory", topic_ids=[topics["Events"]], phone="+14155550123")
    assert again.status_code == 200 and again.json()["message"] == NEUTRAL_ANSWER
    assert len(mails(emu)) == 1
    page = app_client.get(first)
    assert "Offers" in page.text and "Events" not in page.text

    with db() as session:  # an hour later a new sign-up sends a new link; the old one is dead
        row = session.exec(select(PendingSignup)).one()
        row.confirmation_sent_at = utcnow() - timedelta(hours=1, seconds=1)
        session.add(row)
    sign_up(app_client, topic_ids=[topics["Events"]])
    assert len(mails(emu)) == 2
    assert app_client.post(first).status_code == 410
    [second] = {link_of(m) for m in mails(emu)} - {first}
    assert app_client.post(second).status_code == 200
    assert contact(db).email_status == EmailStatus.SUBSCRIBED


def test_too_many_sign_ups_for_one_address_are_refused_with_retry_after(app_client, emu):
    answers = [sign_up(app_client).status_code for _ in range(get_settings().signup_per_email_per_hour)]
    assert answers == [200] * len(answers)
    refused = sign_up(app_client)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    assert refused.json()["error"]["details"][0]["field"] == "email"
    assert sign_up(app_client, email="other@example.com").status_code == 200  # another address is fine


def test_too_many_sign_ups_from_one_client_are_refused(app_client, emu, monkeypatch):
    monkeypatch.setenv("SIGNUP_PER_IP_PER_HOUR", "3")
    get_settings.cache_clear()
    for n in range(3):
        assert sign_up(app_client, email=f"a{n}@example.com").status_code == 200
    refused = app_client.post("/signup", content=urlencode({"email": "a9@example.com"}), headers=FORM)
    assert refused.status_code == 429 and "Retry-After" in refused.headers
    assert "Too many sign-ups" in refused.text
    assert not mails(emu, "a9@example.com")


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        ({"email": "not-an-address"}, "email"),
        ({"email": ""}, "email"),
        ({"first_name": "x" * 201}, "first_name"),
        ({"first_name": "Ann\r\nBcc: x@example.com"}, "first_name"),
        ({"sms_consent": True}, "phone"),
        ({"sms_consent": True, "phone": "12"}, "phone"),
        ({"topic_ids": [999999]}, "topic_ids"),
        ({"topic_ids": [0]}, "topic_ids"),
        ({"topic_ids": [True]}, "topic_ids"),
    ],
)
def test_a_bad_field_is_a_422_naming_it_and_nothing_is_kept_or_sent(app_client, emu, db, fields, field):
    answer = sign_up(app_client, **fields)
    assert answer.status_code == 422, answer.text
    assert answer.json()["error"]["details"][0]["field"] == field
    assert not emu.messages()
    with db() as session:
        assert session.exec(select(PendingSignup)).first() is None


@pytest.mark.parametrize(
    ("body", "headers", "status", "field"),
    [
        (b"[1, 2]", {"content-type": "application/json"}, 400, "body"),
        (b"{not json", {"content-type": "application/json"}, 400, "body"),
        (b'{"email": "a@example.com", "admin": true}', {"content-type": "application/json"}, 400, "admin"),
        (b'{"email": ["a@example.com"]}', {"content-type": "application/json"}, 400, "email"),
        (b'{"email": "a@example.com", "sms_consent": "yes"}', {"content-type": "application/json"}, 400, "sms_consent"),
        (b'{"email": "a@example.com", "topic_ids": 5}', {"content-type": "application/json"}, 400, "topic_ids"),
        (b"email=a%40example.com&role=admin", FORM, 400, "role"),
        (b"email=a%40example.com&email=b%40example.com", FORM, 400, "email"),
        (b"email=a%40example.com&topic_ids=1e3", FORM, 400, "topic_ids"),
        (b"email=%ff%fe", FORM, 400, "body"),
        (b"email=" + b"a" * 20_000, FORM, 413, None),
    ],
)
def test_hostile_bodies_are_refused_and_change_nothing(app_client, emu, db, body, headers, status, field):
    answer = app_client.post("/signup", content=body, headers=headers)
    assert answer.status_code == status, answer.text
    if field:
        assert field in answer.text
    assert not emu.messages()
    with db() as session:
        assert session.exec(select(PendingSignup)).first() is None


def test_an_expired_link_is_a_clear_page_and_the_sign_up_is_forgotten(app_client, emu, db):
    sign_up(app_client)
    path = link_of(mails(emu)[0])
    with db() as session:
        row = session.exec(select(PendingSignup)).one()
        row.expires_at = utcnow() - timedelta(seconds=1)
        session.add(row)
    for answer in (app_client.get(path), app_client.post(path), app_client.get("/signup/confirm/forged-token")):
        assert answer.status_code == 410 and "expired" in answer.text
    assert contact(db) is None
    with db() as session:
        assert session.exec(select(PendingSignup)).first() is None


def test_a_confirmed_sign_up_lifts_a_complaint_and_the_contacts_own_unsubscribe(app_client, emu, db):
    with db() as session:
        spam = Contact(email="ann@example.com", email_status=EmailStatus.COMPLAINED)
        session.add(spam)
        opt_outs.suppress(
            session=session, channel="email", address="ann@example.com", reason=opt_outs.COMPLAINT, source="t"
        )
    sign_up(app_client)
    app_client.post(link_of(mails(emu)[0]))
    ann = contact(db)
    assert ann.email_status == EmailStatus.SUBSCRIBED and ann.id == spam.id
    with db() as session:
        assert session.exec(select(Suppression)).first() is None
    assert [e.event for e in ledger(db, ann.id)] == ["confirmed"]


def test_an_erased_address_signs_up_again(app_client, emu, db):
    with db() as session:
        tombstones.bury(session=session, channel="email", address="ann@example.com")
    sign_up(app_client)
    app_client.post(link_of(mails(emu)[0]))
    assert contact(db).email_status == EmailStatus.SUBSCRIBED
    with db() as session:
        assert not tombstones.erased(session=session, channel="email", addresses={"ann@example.com"})


def test_a_hard_bounce_arriving_before_the_confirmation_is_not_lifted(app_client, emu, db):
    sign_up(app_client)
    with db() as session:
        session.add(Contact(email="ann@example.com", email_status=EmailStatus.BOUNCED))
        opt_outs.suppress(
            session=session, channel="email", address="ann@example.com", reason=opt_outs.HARD_BOUNCE, source="t"
        )
    page = app_client.post(link_of(mails(emu)[0]))
    assert "could not be delivered" in page.text
    assert contact(db).email_status == EmailStatus.BOUNCED


def test_sms_consent_subscribes_the_number_with_the_wording_kept(app_client, emu, db):
    wording = "Yes, text me offers. Reply STOP to stop."
    sign_up(app_client, phone="+1 415 555 0123", sms_consent=True, sms_consent_text=wording)
    path = link_of(mails(emu)[0])
    assert "+1•••23" in app_client.get(path).text and wording in app_client.get(path).text
    assert "text messages" in app_client.post(path).text
    ann = contact(db)
    assert (ann.phone, ann.sms_status) == ("+14155550123", SmsStatus.SUBSCRIBED)
    [sms] = [e for e in ledger(db, ann.id) if e.channel == "sms"]
    assert (sms.event, sms.source, sms.evidence["sms_consent_text"]) == ("confirmed", "double_opt_in", wording)


def test_a_phone_without_the_consent_ticked_is_not_kept(app_client, emu, db):
    sign_up(app_client, phone="+14155550123")
    app_client.post(link_of(mails(emu)[0]))
    assert contact(db).phone is None


def test_a_number_that_texted_stop_stays_stopped(app_client, emu, db):
    with db() as session:
        session.add(Contact(email="other@example.com", phone="+14155550123", sms_status=SmsStatus.OPTED_OUT))
        opt_outs.suppress(
            session=session, channel="sms", address="+14155550123", reason=opt_outs.SMS_OPT_OUT, source="twilio:SM1"
        )
    sign_up(app_client, phone="+14155550123", sms_consent=True)
    page = app_client.post(link_of(mails(emu)[0]))
    assert "text START" in page.text and "subscribed to our emails" in page.text
    ann = contact(db)
    assert ann.email_status == EmailStatus.SUBSCRIBED and ann.phone is None


def test_an_existing_contact_gets_back_the_topics_it_chose_and_keeps_the_others(app_client, emu, db, topics):
    with db() as session:
        ann = Contact(email="ann@example.com")
        session.add(ann)
        session.flush()
        for name in ("Offers", "Events"):
            session.add(TopicOptOut(topic_id=topics[name], channel="email", contact_id=ann.id))
    sign_up(app_client, topic_ids=[topics["Offers"]])
    app_client.post(link_of(mails(emu)[0]))
    with db() as session:
        left = session.exec(select(TopicOptOut.topic_id).where(TopicOptOut.contact_id == ann.id)).all()
    assert left == [topics["Events"]]
    entries = [(e.event, e.topic) for e in ledger(db, ann.id)]
    assert ("resubscribed", "Offers") in entries and ("confirmed", None) in entries


def test_the_hosted_form_posts_to_the_public_endpoint(app_client, topics):
    page = app_client.get(f"/signup/form?topic={topics['Offers']}")
    assert page.status_code == 200
    assert f'action="{get_settings().public_base_url}/signup"' in page.text
    assert f'name="topic_ids" value="{topics["Offers"]}"' in page.text and "Subscribe to Offers" in page.text
    assert 'name="website"' in page.text and 'aria-hidden="true"' in page.text
    assert app_client.get("/signup/form?topic=999999").status_code == 404
    assert app_client.get("/signup/form?topic=abc").status_code == 404


def test_the_worker_forgets_expired_sign_ups(app_client, emu, db):
    from campaign_dashboard.tasks.signups import purge_expired_signups

    sign_up(app_client, email="old@example.com")
    sign_up(app_client, email="new@example.com")
    with db() as session:
        old = session.exec(select(PendingSignup).where(PendingSignup.email == "old@example.com")).one()
        old.expires_at = utcnow() - timedelta(minutes=1)
        session.add(old)
    assert purge_expired_signups() == 1
    with db() as session:
        assert session.exec(select(PendingSignup.email)).all() == ["new@example.com"]


def test_a_confirmation_the_provider_could_not_take_can_be_asked_again_at_once(client, emu, send_email, db):
    from campaign_dashboard.devtools.bench.processes import free_port

    down = ResendEmailProvider(api_key=EMULATOR_RESEND_KEY, api_url=f"http://127.0.0.1:{free_port()}")
    client.app.state.signup_email_provider = down
    answer = sign_up(client)
    assert answer.status_code == 200 and answer.json()["message"] == NEUTRAL_ANSWER  # the same words
    with db() as session:
        assert session.exec(select(PendingSignup)).one().confirmation_sent_at is None  # the hour given back

    client.app.state.signup_email_provider = ResendEmailProvider(api_key=EMULATOR_RESEND_KEY, api_url=emu.url)
    sign_up(client)
    assert len(mails(emu)) == 1
