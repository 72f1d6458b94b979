"""One settings object, read from the environment and `.env`.

Everything has a default that works on one machine with no configuration: SQLite under ./data,
a SQLite Huey queue, and the built-in provider emulator on loopback.
"""

from __future__ import annotations

import math
import os
import re
import secrets
from collections import Counter
from decimal import Decimal
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, PositiveInt, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

EMULATOR_RESEND_KEY = "re_emulator_key"
EMULATOR_TWILIO_SID = "AC00000000000000000000000000000000"
EMULATOR_TWILIO_TOKEN = "emulator_auth_token"
EMULATOR_WEBHOOK_SECRET = "whsec_ZW11bGF0b3Itd2ViaG9vay1zZWNyZXQtMDAwMA=="
INBOUND_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
WEAK_SECRETS = {"", "changeme", "secret", "dev", "development", "please-change-me"}
MIN_SECRET_KEY_BITS = 80  # `openssl rand -hex 16` scores 97+, `secrets.token_urlsafe(32)` 186+


class Settings(BaseSettings):
    """Configuration of every process (web app, worker, emulator, CLI)."""

    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    env: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("data")
    database_url: str = ""
    redis_url: str | None = None
    secret_key: str = ""
    public_base_url: str = "http://127.0.0.1:8000"
    frontend_port: int = 3000
    backend_port: int = 8000

    resend_api_key: str | None = None
    resend_api_url: str | None = None
    resend_webhook_secret: str | None = None
    email_from: str = "Campaigns <campaigns@example.com>"
    # The domain Resend receives mail on (`<id>.resend.app`, or a custom domain with its MX at
    # Resend). Set: each email is sent with `Reply-To: reply+<token>@<domain>` and a mailto
    # `List-Unsubscribe` to `unsubscribe+<token>@<domain>`, so replies route without headers.
    resend_inbound_domain: str | None = None

    twilio_account_sid: str | None = None
    twilio_auth_token: str | None = None
    twilio_api_url: str | None = None
    twilio_from: str | None = "+15005550006"
    twilio_messaging_service_sid: str | None = None
    # Twilio answers STOP/START/HELP itself (its default, and Advanced Opt-Out): we only record
    # them. False when that handling is turned off for the number, so our TwiML replies instead.
    twilio_handles_keywords: bool = True

    emulator_port: int = 8025
    send_batch_size: int = 500
    send_lease_seconds: int = 60  # longer than one provider request may take (20 s), or it is taken over mid-request
    send_parallelism: int = 2
    tick_seconds: float = 5.0
    resend_requests_per_second: float = 5.0
    twilio_mps_per_sender: float = 1.0
    error_budget_ratio: float = 0.2
    error_budget_sample: int = 1000
    send_max_attempts: int = 5  # claims of one recipient without an outcome before it is failed
    quiet_hours_enabled: bool = True
    quiet_hours_start: int = 8
    quiet_hours_end: int = 21
    # No heartbeat from any worker for this long: /api/ready fails and the dashboard warns.
    worker_heartbeat_timeout_seconds: float = 30.0
    # /metrics answers an admin API token, or this shared secret (for a Prometheus scrape job).
    metrics_scrape_secret: str | None = None
    # Each worker serves its own process metrics on this port (unset: off), on METRICS_HOST.
    metrics_port: int | None = None
    metrics_host: str = "127.0.0.1"
    log_format: Literal["text", "json"] = "text"
    # Bounds on rendering one message (preview, test send, send, template save): see
    # docs/security.md "Rendering".
    render_cpu_seconds: float = 2.0
    render_max_output_chars: int = 1_000_000
    render_max_sms_chars: int = 1600
    render_max_range: int = 10_000

    # The reputation breaker (services/events/breaker.py, docs/breaker.md): an email campaign pauses
    # itself when, over its first BREAKER_WINDOW delivered messages, hard bounces or complaints
    # pass these shares of them. Rates are fractions: 0.05 is 5%.
    breaker_enabled: bool = True
    breaker_window: PositiveInt = 500
    breaker_hard_bounce_rate: float = 0.05
    breaker_complaint_rate: float = 0.001

    # Opens and clicks this many seconds from delivery are a machine's (a privacy proxy fetching
    # images, a scanner following links: services/events/machine_engagement.py). 0: timing alone
    # marks nothing (user agents and click bursts still do).
    machine_engagement_seconds: Annotated[float, Field(ge=0, le=3600)] = 3

    # The frequency cap (services/sending/frequency_cap.py, docs/frequency_cap.md): a campaign
    # skips the contacts who already got FREQUENCY_CAP_MESSAGES messages, email and SMS together,
    # in the last FREQUENCY_CAP_DAYS days. 0 messages: no cap. A campaign may ignore it (urgent notices).
    frequency_cap_messages: Annotated[int, Field(ge=0, le=1000)] = 0
    frequency_cap_days: Annotated[int, Field(ge=1, le=365)] = 7

    # Sign-up with double opt-in (services/audience/signups.py, docs/signup.md): how long the link
    # in the confirmation email works, and sign-ups allowed per client address and per email
    # address in an hour (0: no limit). At most one confirmation email per address an hour whatever.
    signup_confirm_hours: Annotated[int, Field(ge=1, le=720)] = 48
    signup_per_ip_per_hour: Annotated[int, Field(ge=0, le=100_000)] = 20
    signup_per_email_per_hour: Annotated[int, Field(ge=0, le=1000)] = 5

    # The REST API and the pages in the browser (api/security_headers.py, web_origins.py).
    cors_allowed_origins: str = ""  # comma-separated extra origins; the app's own is always allowed
    api_docs: bool | None = None  # /api/docs; default: on except in production

    @model_validator(mode="after")
    def _fill_defaults(self) -> Settings:
        if self.resend_inbound_domain is not None:
            domain = self.resend_inbound_domain.strip().lstrip("@").lower()
            if domain and not INBOUND_DOMAIN.match(domain):
                raise ValueError(f"RESEND_INBOUND_DOMAIN is not a domain name: {self.resend_inbound_domain!r}")
            self.resend_inbound_domain = domain or None
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'campaign_dashboard.db').as_posix()}"
        if not self.secret_key:
            if self.env == "production":
                raise ValueError("SECRET_KEY must be set when ENV=production")
            self.secret_key = _stored_secret_key(self.data_dir)
        elif self.env == "production" and (
            self.secret_key.lower() in WEAK_SECRETS
            or len(self.secret_key) < 32
            or estimated_bits(self.secret_key) < MIN_SECRET_KEY_BITS
        ):
            raise ValueError(
                "SECRET_KEY is too weak for ENV=production: use 32+ random characters, "
                'e.g. python -c "import secrets; print(secrets.token_urlsafe(32))"'
            )
        if self.env == "production":
            self._require_signing_secrets()
        self._check_breaker_rates()
        return self

    def _check_breaker_rates(self) -> None:
        """A rate of 5 meant as 5% would never trip: say how to write it."""
        for name in ("breaker_hard_bounce_rate", "breaker_complaint_rate"):
            rate = getattr(self, name)
            if not 0 < rate < 1:
                raise ValueError(
                    f"{name.upper()} must be a fraction between 0 and 1 (0.05 is 5%), not {rate!r}; "
                    "turn the breaker off with BREAKER_ENABLED=false"
                )

    def _require_signing_secrets(self) -> None:
        """A real provider without its signing secret would leave its webhooks unverifiable (the
        emulator's secrets are public): refuse to start, naming the variable."""
        missing = []
        if self.resend_api_key and not self.resend_webhook_secret:
            missing.append("RESEND_WEBHOOK_SECRET (RESEND_API_KEY is set)")
        if self.twilio_account_sid and not self.twilio_auth_token:
            missing.append("TWILIO_AUTH_TOKEN (TWILIO_ACCOUNT_SID is set)")
        if missing:
            raise ValueError(
                "ENV=production with a real provider needs its webhook signing secret: set " + " and ".join(missing)
            )

    @property
    def uses_email_emulator(self) -> bool:
        """No real Resend key configured: send to the local emulator."""
        return not self.resend_api_key

    @property
    def uses_sms_emulator(self) -> bool:
        """No real Twilio credentials configured: send to the local emulator."""
        return not (self.twilio_account_sid and self.twilio_auth_token)

    @property
    def emulator_url(self) -> str:
        return f"http://127.0.0.1:{self.emulator_port}"

    @property
    def effective_resend_api_key(self) -> str:
        return self.resend_api_key or EMULATOR_RESEND_KEY

    @property
    def effective_resend_api_url(self) -> str:
        if self.resend_api_url:
            return self.resend_api_url
        return self.emulator_url if self.uses_email_emulator else "https://api.resend.com"

    @property
    def effective_resend_webhook_secret(self) -> str:
        return self.resend_webhook_secret or EMULATOR_WEBHOOK_SECRET

    @property
    def resend_signing_secret(self) -> str | None:
        """What Resend webhooks are verified with: RESEND_WEBHOOK_SECRET; the emulator's (public)
        secret only while the emulator is the email provider and never in production; else None
        (the route answers 503)."""
        if self.resend_webhook_secret:
            return self.resend_webhook_secret
        if self.uses_email_emulator and self.env != "production":
            return EMULATOR_WEBHOOK_SECRET
        return None

    @property
    def twilio_signing_token(self) -> str | None:
        """What Twilio webhooks are verified with, by the same rule as `resend_signing_secret`
        (a TWILIO_ACCOUNT_SID alone already names a real account: no emulator token then)."""
        if self.twilio_auth_token:
            return self.twilio_auth_token
        if not self.twilio_account_sid and self.env != "production":
            return EMULATOR_TWILIO_TOKEN
        return None

    @property
    def effective_twilio_account_sid(self) -> str:
        return self.twilio_account_sid or EMULATOR_TWILIO_SID

    @property
    def effective_twilio_auth_token(self) -> str:
        return self.twilio_auth_token or EMULATOR_TWILIO_TOKEN

    @property
    def effective_twilio_api_url(self) -> str | None:
        if self.twilio_api_url:
            return self.twilio_api_url
        return self.emulator_url if self.uses_sms_emulator else None

    # Mirror segments to Resend Segments: on by default with a real RESEND_API_KEY, off with the
    # emulator; true/false forces it either way (tests mirror to the emulator).
    resend_mirror_segments: bool | None = None
    resend_mirror_interval_seconds: float = 300.0  # re-check every mirrored segment this often
    sms_price_per_segment: Decimal = Decimal("0.0079")  # the provider's price of one SMS segment
    sms_price_currency: str = "USD"

    # What one contact CSV import accepts (services/audience/csv_file.CsvLimits, docs/security.md).
    csv_import_max_bytes: PositiveInt = 50 * 1024 * 1024
    csv_import_max_rows: PositiveInt = 1_000_000
    csv_import_max_columns: PositiveInt = 100
    csv_import_max_column_name: PositiveInt = 100

    @property
    def mirrors_segments(self) -> bool:
        """Keep Resend Segments in step with our segments (see services.segment_mirror)."""
        if self.resend_mirror_segments is not None:
            return self.resend_mirror_segments
        return not self.uses_email_emulator


def estimated_bits(secret: str) -> float:
    """A rough entropy estimate: the secret's shortest repeating unit (so a phrase typed twice
    counts once) times the Shannon entropy of its characters. 'a'*32 scores 0 and
    'please-change-me-please-change-me' ~56; random keys of 32+ characters score far more."""
    period = next(p for p in range(1, len(secret) + 1) if all(secret[i] == secret[i % p] for i in range(len(secret))))
    unit = secret[:period]
    counts = Counter(unit)
    per_char = -sum(n / len(unit) * math.log2(n / len(unit)) for n in counts.values())
    return per_char * len(unit)


def _stored_secret_key(data_dir: Path) -> str:
    """Generate a secret once and keep it in data_dir, so tokens survive restarts."""
    path = data_dir / "secret_key"
    if not path.exists():
        data_dir.mkdir(mode=0o700, parents=True, exist_ok=True)  # owner only (db.private_dir)
        tmp = data_dir / f".secret_key.{os.getpid()}.{secrets.token_hex(4)}"
        tmp.write_text(secrets.token_urlsafe(48))
        tmp.chmod(0o600)
        try:
            os.link(tmp, path)  # atomic: the first process to start wins, the others read its key
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
    return path.read_text().strip()


@lru_cache
def get_settings() -> Settings:
    return Settings()
