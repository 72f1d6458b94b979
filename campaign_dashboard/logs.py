"""Logging for every process: readable lines by default, JSON lines with `LOG_FORMAT=json` for a
log pipeline. Ids passed as `extra={"campaign_id": ..., "batch_id": ...}` become JSON fields."""

from __future__ import annotations

import logging

from campaign_dashboard.config import Settings

TEXT_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"


def configure_logging(settings: Settings, level: int = logging.INFO) -> None:
    handler = logging.StreamHandler()
    if settings.log_format == "json":
        from pythonjsonlogger.json import JsonFormatter

        handler.setFormatter(
            JsonFormatter(
                "%(asctime)s %(levelname)s %(name)s %(message)s",
                rename_fields={"asctime": "time", "levelname": "level", "name": "logger"},
            )
        )
    else:
        handler.setFormatter(logging.Formatter(TEXT_FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    # the twilio SDK logs every request and response header at INFO: one screenful per SMS
    logging.getLogger("twilio.http_client").setLevel(logging.WARNING)
