"""Error bodies the SDKs understand, and a way for a guard to answer early.

Resend: `{"statusCode", "name", "message"}` (the SDK picks its exception class from status + name).
Twilio: `{"code", "message", "more_info", "status"}` (the SDK raises TwilioRestException with `.code`).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request, Response


class Refused(Exception):
    """Raised by a guard or handler to answer with `response` right away."""

    def __init__(self, response: Response) -> None:
        self.response = response


async def refused_handler(_: Request, exc: Exception) -> Response:
    assert isinstance(exc, Refused)
    return exc.response


def json_response(body: Any, status: int = 200, headers: dict[str, str] | None = None) -> Response:
    return Response(json.dumps(body), status_code=status, media_type="application/json", headers=headers)


def resend_error(status: int, name: str, message: str, headers: dict[str, str] | None = None) -> Refused:
    return Refused(json_response({"statusCode": status, "name": name, "message": message}, status, headers))


def twilio_error(status: int, code: int, message: str, headers: dict[str, str] | None = None) -> Refused:
    body = {"code": code, "message": message, "more_info": f"https://www.twilio.com/docs/errors/{code}", "status": status}
    return Refused(json_response(body, status, headers))
