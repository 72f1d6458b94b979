"""The dialog's "Send test": one message for the sample contact through the configured provider."""

from __future__ import annotations

from campaign_dashboard.config import get_settings
from campaign_dashboard.db import session_scope
from campaign_dashboard.models import Channel
from campaign_dashboard.services.campaigns import sample_send


def send_test_message(channel: str, to: str, values: dict) -> None:
    """Blocking (a provider call): the state runs it in a worker thread."""
    from campaign_dashboard.providers import email_provider, sms_provider

    settings = get_settings()
    with session_scope() as session:
        message = {"session": session, "to": to, "values": values}
        if channel == Channel.EMAIL:
            sample_send.send_test_email(provider=email_provider(settings), default_from=settings.email_from, **message)
        else:
            sms_from = {
                "default_from": settings.twilio_from,
                "messaging_service_sid": settings.twilio_messaging_service_sid,
            }
            sample_send.send_test_sms(provider=sms_provider(settings), **sms_from, **message)
