"""`POST /webhooks/twilio/status` and `POST /webhooks/twilio/inbound`.

Twilio signs the full URL it called plus the sorted form parameters with the account's auth
token (`X-Twilio-Signature`). We rebuild that URL from `PUBLIC_BASE_URL` (what Twilio was told to
call, whatever proxies sit in between) and refuse anything that does not match with 401. The body
is read with its 64 KB limit enforced on the stream (413), and with no auth token configured the
routes answer 503. Verified parameters go to the Twilio adapter (services.events.adapters.twilio),
its event to the service. A verified request we cannot use answers 4xx naming the field (Twilio
does not retry status callbacks or incoming-message webhooks on an HTTP error; it logs it in its
Debugger).
"""

from __future__ import annotations

from urllib.parse import parse_qsl

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse, Response
from twilio.request_validator import RequestValidator
from twilio.twiml.messaging_response import MessagingResponse

from campaign_dashboard import web_routes
from campaign_dashboard.api.errors import error_body
from campaign_dashboard.api.webhooks import (
    WebhookRejected,
    apply_in_thread,
    read_body,
    signing_secret,
    signing_secrets_checked,
)
from campaign_dashboard.config import get_settings
from campaign_dashboard.services.errors import ValidationFailed
from campaign_dashboard.services.events.adapters import twilio as adapter
from campaign_dashboard.services.events.inbound import OUR_KEYWORDS, apply_inbound_sms, kind_of
from campaign_dashboard.services.events.sms_events import apply_sms_status

router = APIRouter(tags=["webhooks"], lifespan=signing_secrets_checked)

MAX_BODY_BYTES = 64 * 1024
MAX_FIELDS = 200  # Twilio sends ~20 parameters; more is not Twilio


def public_url(request: Request) -> str:
    url = get_settings().public_base_url.rstrip("/") + request.url.path
    return f"{url}?{request.url.query}" if request.url.query else url


async def verified_form(request: Request) -> dict[str, str]:
    """The form parameters, ready to store, if the signature matches; else WebhookRejected."""
    token = signing_secret(get_settings().twilio_signing_token, "TWILIO_AUTH_TOKEN")
    body = await read_body(request, MAX_BODY_BYTES)
    try:
        params = dict(parse_qsl(body.decode("utf-8"), keep_blank_values=True, max_num_fields=MAX_FIELDS))
    except ValueError as exc:  # includes UnicodeDecodeError and too many fields
        raise WebhookRejected(400, "bad_request", f"Body is not a form: {exc}") from exc
    signature = request.headers.get("x-twilio-signature", "")
    if not signature or not RequestValidator(token).validate(public_url(request), params, signature):
        raise WebhookRejected(401, "unauthorized", "Invalid X-Twilio-Signature.")
    return adapter.storable(params)


@router.post(web_routes.TWILIO_STATUS_WEBHOOK)
async def twilio_status(request: Request) -> Response:
    try:
        params = await verified_form(request)
        event = adapter.status_event(params, query=request.query_params)
    except WebhookRejected as exc:
        return JSONResponse(error_body(exc.code, exc.message), exc.status)
    except ValidationFailed as exc:
        return JSONResponse(error_body("bad_request", exc.message), 400)
    if event is None:
        status = params.get("MessageStatus") or params.get("SmsStatus")
        return JSONResponse(error_body("bad_request", f"Unknown MessageStatus {status!r} or no MessageSid."), 422)
    outcome = await apply_in_thread(apply_sms_status, event=event)
    return JSONResponse({"status": str(outcome)})


@router.post(web_routes.TWILIO_INBOUND_WEBHOOK)
async def twilio_inbound(request: Request) -> Response:
    try:
        params = await verified_form(request)
        sms = adapter.inbound_sms(params)
    except WebhookRejected as exc:
        return JSONResponse(error_body(exc.code, exc.message), exc.status)
    except ValidationFailed as exc:
        return JSONResponse(error_body("bad_request", exc.message), 422)
    answer = await apply_in_thread(apply_inbound_sms, sms=sms)
    twiml = MessagingResponse()
    # Twilio answers STOP/START/HELP itself unless that is turned off for the number: a reply of
    # ours on top would be a second text (and one Twilio refuses to an opted-out number).
    # JOIN is ours: Twilio does not answer it, so its confirmation is always sent.
    if answer and (kind_of(sms) in OUR_KEYWORDS or not get_settings().twilio_handles_keywords):
        twiml.message(answer)
    return Response(str(twiml), media_type="application/xml")
