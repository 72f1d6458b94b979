"""`LOG_FORMAT=json` makes every log line one JSON object carrying the campaign and batch ids."""

from __future__ import annotations

import json
import logging

from campaign_dashboard.config import Settings
from campaign_dashboard.logs import configure_logging


def test_json_lines_carry_the_ids_passed_as_extra(capsys):
    previous = logging.getLogger().handlers[:]
    try:
        configure_logging(Settings(log_format="json"))
        logging.getLogger("campaign_dashboard.sending").warning(
            "batch deferred", extra={"campaign_id": 12, "batch_id": "b-7"}
        )
    finally:
        logging.getLogger().handlers[:] = previous
    line = capsys.readouterr().err.strip().splitlines()[-1]
    record = json.loads(line)
    assert record["message"] == "batch deferred"
    assert record["level"] == "WARNING" and record["logger"] == "campaign_dashboard.sending"
    assert record["campaign_id"] == 12 and record["batch_id"] == "b-7"
    assert "time" in record


def test_text_lines_by_default(capsys):
    previous = logging.getLogger().handlers[:]
    try:
        configure_logging(Settings())
        logging.getLogger("x").warning("plain words")
    finally:
        logging.getLogger().handlers[:] = previous
    line = capsys.readouterr().err.strip().splitlines()[-1]
    assert line.endswith("WARNING x: plain words")
