"""`POST /webhooks/twilio/status` and `POST /webhooks/twilio/inbound`.

Twilio signs the full URL it called plus the sorted form parameters with the account's auth
token (`X-Twilio-Signature`). We rebuild that URL from `PUBLIC_BASE_URL` (what Twilio was told to
call, whatever proxies sit in between) and refuse anything that does not match with 401.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from campaign_dashboard.api.errors import error_body
from campaign_dashboard.api.webhooks import apply_in_thread
from campaign_dashboard.config import get_settings
from campaign_dashboard.services.inbound import InboundSmsIn, apply_inbound_sms
from campaign_dashboard.services.sms_events import apply_sms_status, message_sid, status_from_params

router = APIRouter(tags=["webhooks"])

MAX_BODY_BYTES = 64 * 1024


def public_url(request: Request) -> str:
    url = get_settings().public_base_url.rstrip("/") + request.url.path
    return f"{url}?{request.url.query}" if request.url.query else url


async def verified_form(request: Request) -> dict[str, str] | JSONResponse:
    """The form parameters if the signature matches, else the error response to send."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        return JSONResponse(error_body("payload_too_large", "Body too large."), 413)
    try:
        form = await request.form()
    except Exception:  # noqa: BLE001 - any unparsable body is a bad request
        return JSONResponse(error_body("bad_request", "Body is not a form."), 400)
    params = {k: v for k, v in form.items() if isinstance(v, str)}
    signature = request.headers.get("x-twilio-signature", "")
    validator = RequestValidator(get_settings().effective_twilio_auth_token)
    if not signature or not validator.validate(public_url(request), params, signature):
        return JSONResponse(error_body("unauthorized", "Invalid X-Twilio-Signature."), 401)
    return params


def _int(value: str | None) -> int | None:
    return int(value) if value and value.isdigit() else None


@router.post("/webhooks/twilio/status")
async def twilio_status(request: Request) -> Response:
    params = await verified_form(request)
    if isinstance(params, Response):
        return params
    event = status_from_params(
        params, campaign_id=_int(request.query_params.get("campaign")),
        recipient_id=_int(request.query_params.get("recipient")),
    )
    if event is None:
        status = params.get("MessageStatus") or params.get("SmsStatus")
        return JSONResponse(error_body("bad_request", f"Unknown MessageStatus {status!r} or no MessageSid."), 422)
    outcome = await apply_in_thread(apply_sms_status, event=event)
    return JSONResponse({"status": str(outcome)})


@router.post("/webhooks/twilio/inbound")
async def twilio_inbound(request: Request) -> Response:
    params = await verified_form(request)
    if isinstance(params, Response):
        return params
    sid = message_sid(params)
    if not sid or not params.get("From"):
        return JSONResponse(error_body("bad_request", "MessageSid and From are required."), 422)
    sms = InboundSmsIn(
        message_sid=sid, from_number=params["From"], to_number=params.get("To", ""),
        body=params.get("Body", ""), payload=params,
    )
    answer = await apply_in_thread(apply_inbound_sms, sms=sms)
    twiml = MessagingResponse()
    if answer:
        twiml.message(answer)
    return Response(str(twiml), media_type="application/xml")
