"""Error bodies the SDKs understand, and a way for a guard to answer early.

Resend: `{"statusCode", "name", "message"}` (the SDK picks its exception class from status + name).
Twilio: `{"code", "message", "more_info", "status"}` (the SDK raises TwilioRestException with `.code`).
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import Request, Response
from fastapi.exception_handlers import http_exception_handler
from starlette.exceptions import HTTPException


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
    body = {
        "code": code,
        "message": message,
        "more_info": f"https://www.twilio.com/docs/errors/{code}",
        "status": status,
    }
    return Refused(json_response(body, status, headers))


UNAVAILABLE_PAGE = (
    "<html><head><title>503 Service Temporarily Unavailable</title></head><body>"
    "<center><h1>503 Service Temporarily Unavailable</h1></center></body></html>"
)


def edge_unavailable() -> Refused:
    """What the edge in front of a provider's API answers while the API behind it is down: a 503
    with an HTML page, not the API's JSON (the SDKs then have only the status to go on)."""
    return Refused(Response(UNAVAILABLE_PAGE, status_code=503, media_type="text/html", headers={"Retry-After": "5"}))


# Resend's error reference (https://resend.com/docs/api-reference/errors) words a request to a URL
# that is no endpoint as `not_found` 404 "The requested endpoint does not exist." and a wrong method
# as `method_not_allowed` 405 "Method is not allowed for the requested path.".
RESEND_NO_ENDPOINT = "The requested endpoint does not exist."
RESEND_NO_METHOD = "Method is not allowed for the requested path."


async def no_route_handler(request: Request, exc: Exception) -> Response:
    """A request no route takes, answered as the provider whose URL it is: Twilio's `20404`/`20004`
    under `/2010-04-01`, Resend's documented `not_found`/`method_not_allowed` elsewhere; the emulator's
    own `/_emulator/*` keeps FastAPI's answer."""
    assert isinstance(exc, HTTPException)
    path = request.url.path
    if path.startswith("/_emulator") or exc.status_code not in (404, 405):
        return await http_exception_handler(request, exc)
    if path.startswith("/2010-04-01"):  # Twilio's error dictionary: 20404 Not Found, 20004 Method not allowed
        if exc.status_code == 405:
            return twilio_error(405, 20004, "Method not allowed").response
        return twilio_error(404, 20404, f"The requested resource {path} was not found").response
    if exc.status_code == 405:
        return resend_error(405, "method_not_allowed", RESEND_NO_METHOD).response
    return resend_error(404, "not_found", RESEND_NO_ENDPOINT).response
