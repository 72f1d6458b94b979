"""The real resend SDK against the emulator: sends, batches, idempotency, limits, faults, errors."""

from __future__ import annotations

import time

import pytest
import resend
from resend.exceptions import (
    ApplicationError,
    InvalidApiKeyError,
    MissingRequiredFieldsError,
    RateLimitError,
    ResendError,
    ValidationError,
)

from .factories import email

pytestmark = pytest.mark.usefixtures("send_email")


def test_a_sent_email_is_counted_and_can_be_read_back(emu):
    sent = resend.Emails.send(email("Ann <ann@example.com>", headers={"Message-ID": "<m1@app>"}))

    got = resend.Emails.get(sent["id"])
    assert got["to"] == ["Ann <ann@example.com>"] and got["subject"] == "Spring sale"
    # Resend's email object (spec and SDK): the Message-ID it went out with, no tags
    assert got["message_id"] == f"<{sent['id']}@email.amazonses.com>" and "tags" not in got
    stats = emu.stats()
    assert stats["accepted"] == 1 and stats["by_address"] == {"ann@example.com": 1}
    assert stats["by_campaign"] == {"c1": {"accepted": 1, "duplicates": 0}}
    [kept] = emu.messages(to="ann@example.com")
    assert kept["data"]["headers"] == {"Message-ID": "<m1@app>"} and kept["recipient"] == "r1"


def test_a_batch_retried_with_the_same_idempotency_key_is_sent_once(emu):
    batch = [email(f"u{i}@example.com", recipient=str(i)) for i in range(100)]

    first = resend.Batch.send(batch, options={"idempotency_key": "campaign-1/batch-7/chunk-0"})
    again = resend.Batch.send(batch, options={"idempotency_key": "campaign-1/batch-7/chunk-0"})

    assert [d["id"] for d in again["data"]] == [d["id"] for d in first["data"]]
    assert emu.stats()["accepted"] == 100
    assert emu.stats()["duplicates"] == 0


def test_the_same_idempotency_key_with_another_body_is_refused(emu):
    resend.Emails.send(email("a@example.com"), options={"idempotency_key": "k"})

    with pytest.raises(ResendError) as refused:
        resend.Emails.send(email("b@example.com"), options={"idempotency_key": "k"})

    assert refused.value.code == 409 and refused.value.error_type == "invalid_idempotent_request"
    assert emu.stats()["accepted"] == 1


def test_a_second_message_to_an_address_in_the_same_campaign_is_a_duplicate(emu):
    resend.Batch.send([email("a@example.com", campaign="c1"), email("a@example.com", campaign="c2")])
    resend.Emails.send(email("A <A@example.com>", campaign="c1"))
    resend.Emails.send(email("x@example.com", campaign=None))
    resend.Emails.send(email("x@example.com", campaign=None))

    stats = emu.stats()
    assert stats["accepted"] == 5 and stats["duplicates"] == 2
    assert stats["by_campaign"]["c1"] == {"accepted": 2, "duplicates": 1}
    assert stats["by_address"] == {"a@example.com": 3, "x@example.com": 2}


def test_more_than_100_emails_in_a_batch_is_a_422_and_sends_nothing(emu):
    with pytest.raises(ValidationError) as refused:
        resend.Batch.send([email(f"u{i}@example.com") for i in range(101)])

    assert refused.value.code == 422
    assert emu.stats()["accepted"] == 0


def test_a_malformed_address_fails_a_single_send_and_a_strict_batch(emu):
    with pytest.raises(ValidationError):
        resend.Emails.send(email("not-an-address"))
    with pytest.raises(ValidationError) as refused:
        resend.Batch.send([email("ok@example.com"), email("bad@@example")])

    assert "emails[1]" in refused.value.message
    assert emu.stats()["accepted"] == 0


def test_a_permissive_batch_sends_the_valid_emails_and_lists_the_others(emu):
    result = resend.Batch.send(
        [email("ok@example.com"), email("bad@@example"), email("ok2@example.com")],
        options={"batch_validation": "permissive"},
    )

    assert len(result["data"]) == 2
    assert [e["index"] for e in result["errors"]] == [1]
    assert emu.stats()["accepted"] == 2


def test_a_missing_field_is_a_missing_required_field_error(emu):
    with pytest.raises(MissingRequiredFieldsError):
        resend.Emails.send({"from": "a@example.com", "to": "b@example.com", "html": "x"})


def test_a_wrong_api_key_is_refused(emu):
    resend.api_key = "re_wrong"
    with pytest.raises(InvalidApiKeyError):
        resend.Emails.send(email("a@example.com"))
    assert emu.stats()["accepted"] == 0


def test_over_the_request_rate_the_api_answers_429_with_retry_after(emu):
    emu.configure(resend_rps=2)
    resend.Emails.send(email("a@example.com"))
    resend.Emails.send(email("b@example.com"))

    with pytest.raises(RateLimitError) as throttled:
        resend.Emails.send(email("c@example.com"))

    headers = throttled.value.headers
    assert int(headers["retry-after"]) >= 1
    assert headers["ratelimit-limit"] == "2" and headers["ratelimit-remaining"] == "0"
    assert headers["ratelimit-policy"] == "2;w=1"  # as Resend words its window
    assert "See rate limit response headers" in throttled.value.message
    assert emu.stats()["throttled"] == 1 and emu.stats()["accepted"] == 2
    time.sleep(1.05)
    resend.Emails.send(email("c@example.com"))
    assert emu.stats()["accepted"] == 3


def test_injected_errors_accept_nothing_and_a_retry_with_the_key_sends_once(emu):
    emu.configure(error_rate=1.0)
    with pytest.raises(ApplicationError):
        resend.Batch.send([email("a@example.com")], options={"idempotency_key": "k1"})
    emu.configure(error_rate=0.0)
    resend.Batch.send([email("a@example.com")], options={"idempotency_key": "k1"})
    resend.Batch.send([email("a@example.com")], options={"idempotency_key": "k1"})

    stats = emu.stats()
    assert stats["errors"] == 1 and stats["accepted"] == 1


def test_a_timed_out_request_is_held_then_answered_504_without_sending(emu):
    emu.configure(timeout_rate=1.0, timeout_ms=300)
    started = time.monotonic()

    with pytest.raises(ResendError) as timed_out:
        resend.Emails.send(email("a@example.com"))

    assert timed_out.value.code == 504 and time.monotonic() - started >= 0.3
    assert emu.stats()["accepted"] == 0 and emu.stats()["errors"] == 1


def test_configured_latency_slows_every_request(emu):
    emu.configure(latency_ms=200)
    started = time.monotonic()
    resend.Emails.send(email("a@example.com"))
    assert time.monotonic() - started >= 0.2


def test_segments_and_contacts_can_be_mirrored(emu):
    segment = resend.Segments.create({"name": "VIP"})
    contact = resend.Contacts.create({"email": "vip@example.com", "first_name": "Vera"})
    resend.Contacts.Segments.add({"segment_id": segment["id"], "email": "vip@example.com"})

    listed = resend.Contacts.list(segment_id=segment["id"])
    assert [c["id"] for c in listed["data"]] == [contact["id"]]

    resend.Contacts.Segments.remove({"segment_id": segment["id"], "contact_id": contact["id"]})
    assert resend.Contacts.list(segment_id=segment["id"])["data"] == []
    assert resend.Segments.remove(segment["id"])["deleted"] is True
