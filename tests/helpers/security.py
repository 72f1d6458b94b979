"""What the attacker tests know about the backend they attack: the accounts' password, the data no
anonymous visitor may see, and the running backend's handle."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

PASSWORD = "long-enough-password-1"
# Data only a signed-in user may see: none of these strings may reach an anonymous client.
SECRETS = {
    "contact_email": "secret.person@leak.example",
    "contact_name": "Secretperson",
    "template_subject": "Quarterly confidential subject",
    "template_html": "CONFIDENTIAL-HTML-MARKER",
    "segment_name": "Confidential segment",
    "campaign_name": "Confidential campaign",
}


@dataclass
class Backend:
    url: str
    database_url: str
    log_path: Path
    ids: dict[str, int] = field(default_factory=dict)
    cookies: dict[str, str] = field(default_factory=dict)  # role -> "cd_session=<token>"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")
