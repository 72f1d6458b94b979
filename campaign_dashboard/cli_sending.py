"""CLI commands of the send path: the provider emulator and the Huey worker."""

from __future__ import annotations

import argparse

from campaign_dashboard.cli import arg, command
from campaign_dashboard.config import get_settings


@command(
    "emulator",
    "Run the provider emulator (speaks the Resend and Twilio APIs, sends signed webhooks back).",
    arg("--host", default="127.0.0.1"),
    arg("--port", type=int, default=None, help="default EMULATOR_PORT (8025)"),
    arg("--webhook-url", default=None, help="the app's public base URL (default PUBLIC_BASE_URL)"),
    arg("--no-webhooks", action="store_true", help="accept messages but send no webhooks back"),
    arg("--resend-rps", type=float, default=None, help="Resend requests/s before 429 (0 = no limit)"),
    arg("--twilio-mps", type=float, default=None, help="Twilio messages/s per sender (0 = no limit)"),
)
def emulator_command(args: argparse.Namespace) -> int:
    from campaign_dashboard.emulator.server import serve

    settings = get_settings()
    serve(
        host=args.host,
        port=args.port or settings.emulator_port,
        webhook_url=args.webhook_url or settings.public_base_url,
        webhooks=False if args.no_webhooks else None,
        resend_rps=args.resend_rps,
        twilio_mps=args.twilio_mps,
    )
    return 0


@command(
    "worker",
    "Run a Huey worker (sending, scheduling, crash recovery). Run as many as you like, anywhere.",
    arg("--workers", type=int, default=4, help="threads in this process (default 4)"),
)
def worker_command(args: argparse.Namespace) -> int:
    from campaign_dashboard.tasks.worker import run_worker

    run_worker(workers=args.workers)
    return 0
