"""Every error leaves the API as JSON `{"error": {"code", "message", "details"}}`."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel
from starlette.exceptions import HTTPException as StarletteHTTPException

from campaign_dashboard.services import errors
from campaign_dashboard.services.campaigns.rendering import RenderError

STATUS_BY_ERROR: dict[type[errors.DomainError], int] = {
    errors.NotFound: 404,
    errors.ValidationFailed: 422,
    RenderError: 422,  # the template or the contact's data is bad input, like a failed validation
    errors.IllegalTransition: 409,
    errors.Conflict: 409,
    errors.PermissionDenied: 403,
    errors.AuthenticationFailed: 401,
}
CODE_BY_STATUS = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
}


class ErrorDetail(BaseModel):
    field: str
    message: str


class ErrorInfo(BaseModel):
    code: str
    message: str
    details: list[ErrorDetail]


class ErrorResponse(BaseModel):
    """The body of every 4xx the API answers."""

    error: ErrorInfo


_WHY = {
    400: "The body could not be read as JSON (or as the form the route takes)",
    401: "No token, or an invalid, expired or revoked one",
    403: "The token's role may not do this (viewers only read)",
    404: "No such object",
    409: "The object's current state does not allow this (lifecycle, duplicate, frozen content)",
    413: "The request body is larger than the API accepts (2 MB; CSV imports have their own limit)",
    422: "Bad input: `details` names each field and what is wrong with it",
}


def error_responses(*statuses: int) -> dict[int | str, dict]:
    """OpenAPI declarations of these error statuses, for a router's or a route's `responses`."""
    return {status: {"model": ErrorResponse, "description": _WHY[status]} for status in statuses}


def error_body(code: str, message: str, details: list | None = None) -> dict:
    return {"error": {"code": code, "message": message, "details": details or []}}


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(errors.DomainError)
    async def _domain(_: Request, exc: errors.DomainError) -> JSONResponse:
        status = STATUS_BY_ERROR.get(type(exc), 400)
        headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
        return JSONResponse(error_body(exc.code, exc.message, exc.details), status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_: Request, exc: RequestValidationError) -> JSONResponse:
        details = [
            {"field": ".".join(str(p) for p in e["loc"] if p != "body"), "message": e["msg"]} for e in exc.errors()
        ]
        first = details[0] if details else {"field": "", "message": "invalid request"}
        message = f"{first['field']}: {first['message']}" if first["field"] else first["message"]
        return JSONResponse(error_body("validation_failed", message, details), 422)

    @app.exception_handler(StarletteHTTPException)
    async def _http(_: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse(
            error_body(CODE_BY_STATUS.get(exc.status_code, "http_error"), str(exc.detail)),
            exc.status_code,
            headers=getattr(exc, "headers", None),
        )
