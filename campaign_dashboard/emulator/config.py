"""What the emulated world looks like: limits, failures and recipient behaviour, changeable at runtime.

Credentials live apart from the tunable config so `GET /_emulator/config` never shows a secret.
Defaults make `make run` feel alive (realistic rates and delays); tests set rates and delays to 0.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from campaign_dashboard.config import (
    EMULATOR_RESEND_KEY,
    EMULATOR_TWILIO_SID,
    EMULATOR_TWILIO_TOKEN,
    EMULATOR_WEBHOOK_SECRET,
    Settings,
)

Rate = Field(default=0.0, ge=0.0, le=1.0)
E164Number = Annotated[str, StringConstraints(pattern=r"^\+[1-9]\d{7,14}$")]
# A Messaging Service's sender pool: NANP 555-01xx numbers (reserved as fictional), none of them the
# app's default TWILIO_FROM, so nothing can find a Messaging Service's messages by that number.
SENDER_POOL = ("+12025550143", "+13125550116", "+14155550132", "+16175550178")


class EmulatorConfig(BaseModel):
    """Every knob of `POST /_emulator/config`; unknown keys are refused."""

    model_config = ConfigDict(extra="forbid")

    resend_rps: float = Field(default=5.0, ge=0)  # requests per sliding second per team; 0 = unlimited
    twilio_mps: float = Field(default=1.0, ge=0)  # messages per second per sender; 0 = unlimited
    # numbers a Messaging Service sends from (sticky per recipient), like a service's sender pool
    twilio_sender_pool: list[E164Number] = Field(default=list(SENDER_POOL), min_length=1)
    latency_ms: int = Field(default=0, ge=0)  # added to every provider API request
    # after a Twilio message is accepted, before the answer: a client dying meanwhile sent it unknowingly
    twilio_reply_latency_ms: int = Field(default=0, ge=0)
    error_rate: float = Rate  # share of API requests answered 500 (nothing accepted)
    # 503: those errors come as the edge's HTML "503 Service Temporarily Unavailable" page instead
    # (an outage behind a load balancer), with Retry-After
    error_status: Literal[500, 503] = 500
    timeout_rate: float = Rate  # share held for timeout_ms, then 504 (nothing accepted)
    timeout_ms: int = Field(default=31_000, ge=0)  # longer than resend's 30 s client timeout
    bounce_rate: float = Field(default=0.03, ge=0, le=1)
    open_rate: float = Field(default=0.40, ge=0, le=1)
    click_rate: float = Field(default=0.10, ge=0, le=1)
    # a privacy proxy fetching the images of a delivered email as it arrives (an open nobody made)
    proxy_open_rate: float = Field(default=0.15, ge=0, le=1)
    reply_rate: float = Field(default=0.01, ge=0, le=1)
    unsubscribe_rate: float = Field(default=0.005, ge=0, le=1)
    complaint_rate: float = Field(default=0.001, ge=0, le=1)
    webhooks: bool = True
    webhook_url: str = "http://127.0.0.1:8000"  # the app's base URL; /webhooks/... is appended
    webhook_delay_ms: int = Field(default=300, ge=0)  # mean gap between a message's successive events
    webhook_retries: int = Field(default=3, ge=0)  # extra attempts after a failed delivery
    keep_messages: int = Field(default=10_000, ge=0)  # full bodies kept for lookups; counters keep all
    track_addresses: bool = True  # keep stats.by_address (~150 B per address); off for huge runs
    seed: int | None = None  # fixes the world's dice for reproducible runs

    def updated(self, changes: dict) -> EmulatorConfig:
        """A validated copy with `changes` applied (raises pydantic.ValidationError)."""
        return EmulatorConfig.model_validate({**self.model_dump(), **changes})


@dataclass(frozen=True)
class Credentials:
    """What clients must present and what webhooks are signed with (shared with the app)."""

    resend_key: str = EMULATOR_RESEND_KEY
    twilio_sid: str = EMULATOR_TWILIO_SID
    twilio_token: str = EMULATOR_TWILIO_TOKEN
    webhook_secret: str = EMULATOR_WEBHOOK_SECRET

    @classmethod
    def from_settings(cls, settings: Settings) -> Credentials:
        """The same values the app verifies with, so signatures check out end to end."""
        return cls(
            resend_key=settings.effective_resend_api_key,
            twilio_sid=settings.effective_twilio_account_sid,
            twilio_token=settings.effective_twilio_auth_token,
            webhook_secret=settings.effective_resend_webhook_secret,
        )


def config_from_settings(settings: Settings) -> EmulatorConfig:
    """Limits that match what the app's own rate limiter is told, and its public URL for webhooks."""
    return EmulatorConfig(
        resend_rps=settings.resend_requests_per_second,
        twilio_mps=settings.twilio_mps_per_sender,
        webhook_url=settings.public_base_url,
    )
