"""Resend's own documented webhook examples, signed with the official `svix` library, through the
real app: what the documentation says Resend sends must be accepted and have its effect."""

from __future__ import annotations

import json
from pathlib import Path

from sqlmodel import select

from campaign_dashboard.models import FailedInboundEmail, InboundEmail
from tests.contracts.spec import problems
from tests.events.conftest import client, post_resend, settings_env  # noqa: F401 - fixtures
from tests.events.test_inbound_email import resend  # noqa: F401 - fixture: the Receiving API + Huey at once

EXAMPLES = json.loads((Path(__file__).parent / "resend.webhook-examples.json").read_text())


def test_the_documented_email_received_example_is_the_spec_and_is_handled(client, session, resend):  # noqa: F811
    example = EXAMPLES["email.received"]
    assert problems("resend", "#/components/schemas/EmailReceivedEvent", example, closed=True) == []
    response = post_resend(client, json.dumps(example), msg_id="msg_doc_received")
    assert (response.status_code, response.json()["status"]) == (200, "queued")
    # The example's email is not known to this Resend (the fetch answers 404): it is matched on its
    # metadata, finds no campaign email, and is kept as an unmatched inbound email with the reason.
    failed = session.exec(select(FailedInboundEmail)).one()
    assert (failed.provider_id, failed.from_address, failed.subject) == (
        "56761188-7520-42d8-8898-ff6fc54ce618", "onboarding@resend.dev", "Sending this example")
    assert "no matching sent email" in failed.reason
    assert session.exec(select(InboundEmail)).all() == []
