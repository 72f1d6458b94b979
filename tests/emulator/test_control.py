"""`/_emulator/*`: stats as the truth, config changes at runtime, reset."""

from __future__ import annotations

import httpx
import pytest
import resend

from .factories import email

pytestmark = pytest.mark.usefixtures("send_email")


def test_stats_report_every_counter(emu):
    assert emu.stats() == {
        "accepted": 0,
        "duplicates": 0,
        "throttled": 0,
        "errors": 0,
        "webhooks_sent": 0,
        "webhook_failures": 0,
        "webhook_retries": 0,
        "webhooks_dropped": 0,
        "webhooks_pending": 0,
        "last_webhook_error": None,
        "by_address": {},
        "by_campaign": {},
    }
    assert "by_address" not in httpx.get(f"{emu.url}/_emulator/stats?by_address=false").json()


def test_config_changes_apply_and_bad_values_are_refused(emu):
    assert emu.configure(open_rate=0.4, resend_rps=10)["open_rate"] == 0.4
    assert httpx.get(f"{emu.url}/_emulator/config").json()["resend_rps"] == 10

    assert httpx.post(f"{emu.url}/_emulator/config", json={"bounce_rate": 2}).status_code == 422
    assert httpx.post(f"{emu.url}/_emulator/config", json={"no_such_knob": 1}).status_code == 422
    assert "twilio_token" not in httpx.get(f"{emu.url}/_emulator/config").json()


def test_reset_forgets_messages_and_counters_but_keeps_the_config(emu):
    emu.configure(resend_rps=50)
    resend.Batch.send([email("a@example.com"), email("a@example.com")])
    assert emu.stats()["duplicates"] == 1

    httpx.post(f"{emu.url}/_emulator/reset").raise_for_status()

    assert emu.stats()["accepted"] == 0 and emu.stats()["by_address"] == {}
    assert emu.messages() == []
    assert httpx.get(f"{emu.url}/_emulator/config").json()["resend_rps"] == 50
    resend.Emails.send(email("a@example.com"))
    assert emu.stats()["duplicates"] == 0


def test_reset_with_config_restores_the_starting_config(emu):
    emu.configure(resend_rps=50)
    httpx.post(f"{emu.url}/_emulator/reset", json={"config": True}).raise_for_status()
    config = httpx.get(f"{emu.url}/_emulator/config").json()
    assert config["resend_rps"] == 0 and config["webhook_url"] == emu.receiver_url


def test_messages_can_be_inspected_by_address_and_campaign(emu):
    resend.Batch.send([email("a@example.com", campaign="c1"), email("b@example.com", campaign="c2")])

    [kept] = emu.messages(to="B@example.com")
    assert kept["campaign"] == "c2" and kept["data"]["html"].startswith("<p>Hi</p>")
    assert [m["to"] for m in emu.messages(campaign="c1")] == [["a@example.com"]]


def test_only_the_last_keep_messages_bodies_are_kept_but_all_are_counted(emu):
    emu.configure(keep_messages=3, webhooks=False)
    resend.Batch.send([email(f"u{i}@example.com") for i in range(10)])

    assert len(emu.messages()) == 3
    assert emu.stats()["accepted"] == 10
