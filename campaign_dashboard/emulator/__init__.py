"""Provider emulator: a loopback server the real resend and twilio SDKs talk to unchanged.

It accepts sends like the real APIs (auth, limits, idempotency, real error shapes), counts every
accepted message so duplicates are measurable, and plays the world back with signed webhooks.
"""

from .config import Credentials, EmulatorConfig
from .server import build_app, create_emulator_app, running, serve

__all__ = ["Credentials", "EmulatorConfig", "build_app", "create_emulator_app", "running", "serve"]
