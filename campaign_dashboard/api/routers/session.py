"""Dashboard login and logout over plain HTTP, so the server alone sets the session cookie.

The cookie is HttpOnly (no script, ours or injected, can read it), SameSite=Strict and, in
production or over https, Secure. The login page posts its form here; the answer is a redirect,
and the page it leads to opens a new websocket whose HTTP request carries the cookie
(`ui/auth.py` reads it from there). A form posted from another site is refused (Origin check).
"""

from __future__ import annotations

import threading
from typing import Annotated
from urllib.parse import parse_qs, urlencode, urlsplit

from fastapi import APIRouter, Form, Request
from fastapi.responses import RedirectResponse, Response

from campaign_dashboard import web_routes as routes
from campaign_dashboard.api.deps import SessionDep
from campaign_dashboard.config import get_settings
from campaign_dashboard.db import get_engine
from campaign_dashboard.models import id_of
from campaign_dashboard.ratelimit import RateLimiter, make_rate_limiter
from campaign_dashboard.services.accounts import users
from campaign_dashboard.services.errors import AuthenticationFailed, PermissionDenied, ValidationFailed

SESSION_COOKIE = routes.SESSION_COOKIE

router = APIRouter(tags=["session"], include_in_schema=False)


def _same_origin(request: Request) -> None:
    """Refuse a form posted from another site (the browser names the page's origin)."""
    origin = request.headers.get("origin")
    if origin and origin != "null" and urlsplit(origin).netloc != request.headers.get("host", ""):
        raise PermissionDenied("Cross-site form posts are refused.")


def _secure(request: Request) -> bool:
    return get_settings().env == "production" or request.url.scheme == "https"


def _asked_next(request: Request, posted: str) -> str:
    """The `next` the form posted or, when the page had not yet copied it from its address into
    the form (a submit before the page finished loading), the one in the address the form was
    posted from: the browser names that page in Referer (same origin, so the full address)."""
    if posted:
        return posted
    referer = urlsplit(request.headers.get("referer", ""))
    if referer.netloc != request.headers.get("host", ""):
        return ""
    if referer.path.rstrip("/") not in (routes.LOGIN, routes.ACCOUNT):
        return ""
    return (parse_qs(referer.query).get("next") or [""])[0]


def _client_address(request: Request) -> str:
    return request.client.host if request.client else ""


_limiter_lock = threading.Lock()


def _login_limiter(request: Request) -> RateLimiter:
    """The app's login throttle, built on the first login and kept on `app.state`: one Redis
    client (and its connection pool) per app, not one per POST."""
    state = request.app.state
    limiter = getattr(state, "login_limiter", None)
    if limiter is None:
        with _limiter_lock:  # logins run in the thread pool: two first logins build one limiter
            limiter = getattr(state, "login_limiter", None)
            if limiter is None:
                limiter = make_rate_limiter(redis_url=get_settings().redis_url, engine=get_engine())
                state.login_limiter = limiter
    return limiter


@router.post(routes.LOGIN_POST)
def login(
    request: Request,
    session: SessionDep,
    email: Annotated[str, Form(max_length=320)] = "",
    password: Annotated[str, Form(max_length=1000)] = "",
    next_path: Annotated[str, Form(alias="next", max_length=2000)] = "",
) -> Response:
    _same_origin(request)
    next_path = _asked_next(request, next_path)
    if not email.strip() or not password:
        return _back_to_login("missing", next_path)
    try:
        signed_in = users.login(
            session=session,
            email=email,
            password=password,
            client_address=_client_address(request),
            limiter=_login_limiter(request),
        )
    except users.LoginThrottled:
        return _back_to_login("throttled", next_path)
    except AuthenticationFailed:
        return _back_to_login("wrong", next_path)
    user, token = signed_in
    to = routes.safe_next(next_path)
    if user.must_change_password:  # an admin reset it: choose a new one before anything else
        to = f"{routes.ACCOUNT}?{urlencode({'next': to})}" if next_path else routes.ACCOUNT
    response = RedirectResponse(to, status_code=303)
    response.set_cookie(
        SESSION_COOKIE,
        token,
        max_age=int(users.SESSION_LIFETIME.total_seconds()),
        path="/",
        httponly=True,
        secure=_secure(request),
        samesite="strict",
    )
    return response


@router.post(routes.PASSWORD_POST)
def change_password(
    request: Request,
    session: SessionDep,
    current_password: Annotated[str, Form(max_length=1000)] = "",
    new_password: Annotated[str, Form(max_length=1000)] = "",
    confirm_password: Annotated[str, Form(max_length=1000)] = "",
    next_path: Annotated[str, Form(alias="next", max_length=2000)] = "",
) -> Response:
    """The account page's form: the signed-in user's own password. Wrong current passwords are
    throttled like logins (a session left open must not let someone guess the password)."""
    _same_origin(request)
    next_path = _asked_next(request, next_path)
    token = request.cookies.get(SESSION_COOKIE) or ""
    try:
        user = users.user_for_session(session=session, token=token)
    except AuthenticationFailed:
        return RedirectResponse(f"{routes.LOGIN}?{urlencode({'next': routes.ACCOUNT})}", status_code=303)
    if new_password != confirm_password:
        return _back_to_account("mismatch", next_path)
    email, user_id = user.email, id_of(user)
    # Give the connection back before the throttle takes one of its own (SQLite's pool holds one).
    session.rollback()
    limiter, address = _login_limiter(request), _client_address(request)
    try:
        users.throttle_login(limiter=limiter, email=email, client_address=address)
    except users.LoginThrottled:
        return _back_to_account("throttled", next_path)
    try:
        users.change_password(
            session=session,
            user_id=user_id,
            current_password=current_password,
            new_password=new_password,
            keep_session=token,
        )
    except ValidationFailed as exc:
        session.rollback()
        code = users.password_problem_code(exc) or "invalid"
        if code != "current_wrong":  # only a wrong current password counts as a guess
            users.throttle_login(limiter=limiter, email=email, client_address=address, tokens=-1)
        return _back_to_account(code, next_path)
    users.throttle_login(limiter=limiter, email=email, client_address=address, tokens=-1)
    if next_path:
        return RedirectResponse(routes.safe_next(next_path), status_code=303)
    return RedirectResponse(f"{routes.ACCOUNT}?changed=1", status_code=303)


def _back_to_account(error: str, next_path: str) -> RedirectResponse:
    """To the account page, naming the refusal by a code (`ui/pages/account.py` words it)."""
    query = {"error": error, **({"next": routes.safe_next(next_path)} if next_path else {})}
    return RedirectResponse(f"{routes.ACCOUNT}?{urlencode(query)}", status_code=303)


@router.post(routes.LOGOUT_POST)
def logout(request: Request, session: SessionDep) -> Response:
    _same_origin(request)
    if token := request.cookies.get(SESSION_COOKIE):
        users.logout(session=session, token=token)
    response = RedirectResponse(routes.LOGIN, status_code=303)
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, secure=_secure(request), samesite="strict")
    return response


def _back_to_login(error: str, next_path: str) -> RedirectResponse:
    """To the login page, naming the refusal by a code (`ui/pages/login.py` words it)."""
    query = {"error": error, **({"next": routes.safe_next(next_path)} if next_path else {})}
    return RedirectResponse(f"{routes.LOGIN}?{urlencode(query)}", status_code=303)
