"""Build the emulator app and run it: `serve()` for the CLI, `running()` for tests and benchmarks."""

from __future__ import annotations

import socket
import threading
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any

import uvicorn
from fastapi import FastAPI
from starlette.exceptions import HTTPException as StarletteHTTPException

from campaign_dashboard.config import get_settings

from . import control, resend_api, resend_contacts, twilio_account, twilio_api
from .config import Credentials, EmulatorConfig, config_from_settings
from .errors import Refused, no_route_handler, refused_handler
from .runtime import Emulator

CREDENTIAL_KEYS = ("resend_key", "twilio_sid", "twilio_token", "webhook_secret")


def create_emulator_app(
    config: EmulatorConfig | dict[str, Any] | None = None, credentials: Credentials | None = None
) -> FastAPI:
    """The emulator as an ASGI app; config and credentials default to what the app's settings say."""
    settings = get_settings()
    if not isinstance(config, EmulatorConfig):
        config = config_from_settings(settings).updated(config or {})
    emulator = Emulator(config, credentials or Credentials.from_settings(settings))

    @asynccontextmanager
    async def lifespan(_: FastAPI) -> AsyncIterator[None]:
        emulator.dispatcher.start()
        try:
            yield
        finally:
            emulator.dispatcher.stop()

    app = FastAPI(
        title="Provider emulator (Resend + Twilio)", lifespan=lifespan, docs_url="/_emulator/docs", redoc_url=None
    )
    app.state.emulator = emulator
    app.add_exception_handler(Refused, refused_handler)
    app.add_exception_handler(StarletteHTTPException, no_route_handler)
    for module in (resend_api, resend_contacts, twilio_api, twilio_account, control):
        app.include_router(module.router)
    return app


def build_app(**options: Any) -> FastAPI:
    """`create_emulator_app` from flat keyword options (config knobs and credentials, None = default)."""
    options = {k: v for k, v in options.items() if v is not None}
    creds = {k: options.pop(k) for k in CREDENTIAL_KEYS if k in options}
    credentials = Credentials(**{**vars(Credentials.from_settings(get_settings())), **creds})
    return create_emulator_app(options, credentials)


def serve(
    host: str = "127.0.0.1",
    port: int | None = None,
    webhook_url: str | None = None,
    *,
    resend_rps: float | None = None,
    twilio_mps: float | None = None,
    latency_ms: int | None = None,
    error_rate: float | None = None,
    timeout_rate: float | None = None,
    timeout_ms: int | None = None,
    bounce_rate: float | None = None,
    open_rate: float | None = None,
    click_rate: float | None = None,
    reply_rate: float | None = None,
    unsubscribe_rate: float | None = None,
    complaint_rate: float | None = None,
    webhooks: bool | None = None,
    webhook_delay_ms: int | None = None,
    webhook_retries: int | None = None,
    keep_messages: int | None = None,
    track_addresses: bool | None = None,
    seed: int | None = None,
    resend_key: str | None = None,
    twilio_sid: str | None = None,
    twilio_token: str | None = None,
    webhook_secret: str | None = None,
    log_level: str = "warning",
) -> None:
    """Run the emulator in the foreground (blocks). None means: from settings, else the default."""
    options = dict(locals())
    for key in ("host", "port", "log_level"):
        options.pop(key)
    app = build_app(**options)
    port = port or get_settings().emulator_port
    uvicorn.run(app, host=host, port=port, log_level=log_level, access_log=False)


@contextmanager
def running(app: FastAPI, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """Serve `app` from a background thread for the duration of the block; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", access_log=False, lifespan="on"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    try:
        while not server.started:
            if not thread.is_alive():
                raise RuntimeError("emulator server failed to start")
            threading.Event().wait(0.01)
        yield f"http://{host}:{sock.getsockname()[1]}"
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()
