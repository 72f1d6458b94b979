"""Twilio's Account resource (fetch only): what a credentials check asks for.

`GET /2010-04-01/Accounts/{sid}.json` answers like Twilio: 401 (code 20003) for a wrong SID or
token, the account JSON for the right ones. The auth token itself is never echoed back.
"""

from __future__ import annotations

from fastapi import APIRouter, Response

from .errors import json_response
from .guards import TwilioGuard
from .payloads import TWILIO_API_VERSION

router = APIRouter(tags=["twilio"])
FRIENDLY_NAME = "Provider emulator"


@router.get(f"/{TWILIO_API_VERSION}/Accounts/{{sid}}.json")
async def fetch_account(sid: str, _: TwilioGuard) -> Response:
    uri = f"/{TWILIO_API_VERSION}/Accounts/{sid}.json"
    return json_response(
        {
            "sid": sid,
            "owner_account_sid": sid,
            "friendly_name": FRIENDLY_NAME,
            "status": "active",
            "type": "Full",
            "uri": uri,
            "subresource_uris": {"messages": uri.replace(".json", "/Messages.json")},
        }
    )
