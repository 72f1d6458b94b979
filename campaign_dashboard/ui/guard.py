"""The one door into the dashboard's server: every event handler of every page state is `@guarded`.

A Reflex event reaches a handler by its name from any websocket client, whatever the page shows,
so each handler says who may run it and whether it writes:

    @guarded(Role.VIEWER)                 # reads: any signed-in user
    @guarded(Role.MARKETER)               # renders previews: writers only, changes nothing stored
    @guarded(Role.MARKETER, writes=True)  # writes: marketers and admins
    @guarded(Role.ADMIN, writes=True)     # user and token management
    @guarded(PUBLIC)                      # the login page only; it reads nothing

Before the handler runs, the guard looks up the caller's session in the database (the HttpOnly
cookie on the websocket's own HTTP request, never a state var the client could set), refuses
nobody (to the login page) and a role too low (a toast) and checks the arguments against the
handler's annotations (types, sizes): a refused call changes nothing. `AuthState` refuses to
define an unguarded handler at import, and tests/security proves it for every registered state.
Every permitted write passes `_on_write`: the single place that knows who wrote what from where.
"""

from __future__ import annotations

import functools
import inspect
import logging
import types
import typing
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import reflex as rx

from campaign_dashboard.db import session_scope
from campaign_dashboard.models import Role, User
from campaign_dashboard.services.accounts import audit, roles
from campaign_dashboard.services.errors import PermissionDenied

log = logging.getLogger(__name__)

PUBLIC = None  # `@guarded(PUBLIC)`: no session needed (the login page)
GUARD_ATTRIBUTE = "__dashboard_guard__"
# Bounds on what an event argument may hold: far above any form the dashboard shows, far below
# what would make a handler slow.
MAX_TEXT = 200_000
MAX_ITEMS = 1_000
MAX_INT = 2**53  # what JavaScript numbers hold exactly
BAD_REQUEST = "That request was not valid: nothing was changed."


@dataclass(frozen=True)
class Guard:
    role: Role | None  # None: PUBLIC
    writes: bool
    before_password_change: bool = False


def guard_of(handler: Callable) -> Guard | None:
    """The guard on an event handler's function (`EventHandler.fn`), or None if it has none."""
    return getattr(handler, GUARD_ATTRIBUTE, None)


def _on_write(*, user: User, handler: str, args: dict[str, Any], client_address: str | None) -> None:
    """Called once for every write a user was allowed to run and that ran without reporting an
    error: the dashboard's entry in the audit log. `handler` is its qualified name (`TemplatesState.delete`); the first
    `*_id` argument names the object, an `action` argument (a campaign's start, pause...) is part of
    the action's name, so a manager can filter "who started this"."""
    object_type, object_id = next(
        (
            (name.removesuffix("_id"), value)
            for name, value in args.items()
            if name.endswith("_id") and isinstance(value, (int, str)) and value != ""
        ),
        (None, None),
    )
    action = f"dashboard.{handler}"
    if isinstance(args.get("action"), str):
        action = f"{action}:{args['action']}"
    with session_scope() as session:
        audit.record(
            session,
            actor_user_id=user.id,
            action=action,
            object_type=object_type,
            object_id=object_id,
            client_address=client_address or None,
            detail={"args": _shortened(args)},
        )


def _shortened(value: Any, limit: int = 300) -> Any:
    """Arguments as the log keeps them: long texts (a template's HTML) cut to their start."""
    if isinstance(value, dict):
        return {k: _shortened(v, limit) for k, v in value.items()}
    if isinstance(value, list):
        return [_shortened(v, limit) for v in value[:50]]
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + f"… ({len(value):,} characters)"
    return value


def _recorded(events, write: Callable[[], None]):
    """A sync generator handler's events, passed through; its write is recorded once it ends
    without reporting an error."""
    failed = False
    for event in events:
        failed = failed or _reports_error(event)
        yield event
    if not failed:
        write()


def _reports_error(result: Any) -> bool:
    """Whether a handler answered with an error toast: it refused, so nothing was written."""
    if isinstance(result, (list, tuple)):
        return any(_reports_error(r) for r in result)
    text = repr(getattr(result, "args", ""))
    return "__toast" in text and '?.["error"](' in text


def _for_audit(value: Any) -> Any:
    """Arguments fit for a log: passwords masked, anything but plain values named by its type."""
    if isinstance(value, dict):
        return {k: "***" if "password" in str(k).lower() else _for_audit(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_for_audit(v) for v in value]
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return f"<{type(value).__name__}>"


def guarded(
    role: Role | None,
    *,
    writes: bool = False,
    background: bool = False,
    audits_itself: bool = False,
    before_password_change: bool = False,
):
    """Make the decorated method an event handler that runs only for a caller with `role` (or
    more); `writes` marks handlers that change stored data (they need at least the marketer role)
    and are recorded in the audit log, unless the handler `audits_itself` with what only it knows
    (an import's counts). A user whose password an admin reset runs nothing until they chose a
    new one (they are sent to the account page), except handlers `before_password_change`."""
    if writes and (role is None or role == Role.VIEWER):
        raise ValueError("a write handler needs the marketer or admin role")
    guard = Guard(role=role, writes=writes, before_password_change=before_password_change)

    def decorate(fn: Callable) -> Any:
        check = _arguments_check(fn)

        def admit(state, args: tuple, kwargs: dict):
            """(None, the write to record or None) when the call may run; otherwise (the events to
            send back instead, None)."""
            user = None
            if role is not None:
                user = state._caller() if background else state._user()
                if user is None:
                    return rx.redirect(state._login_url()), None
                if user.must_change_password and not before_password_change:
                    return rx.redirect(state._password_change_url()), None
                try:
                    roles.require_role(user.role, role)
                except PermissionDenied as exc:
                    return rx.toast.error(exc.message), None
            bound = check(state, args, kwargs)
            if bound is None:
                log.warning("refused %s: arguments that do not fit its annotations", fn.__qualname__)
                return rx.toast.error(BAD_REQUEST), None
            if writes and user is not None and not audits_itself:
                return None, functools.partial(
                    _on_write,
                    user=user,
                    handler=fn.__qualname__,
                    args=_for_audit(bound),
                    client_address=state.router.session.client_ip,
                )
            return None, None

        if inspect.isasyncgenfunction(fn):

            @functools.wraps(fn)
            async def handler(self, *args, **kwargs):
                refusal, write = admit(self, args, kwargs)
                if refusal is not None:
                    yield refusal
                    return
                failed = False
                async for event in fn(self, *args, **kwargs):
                    failed = failed or _reports_error(event)
                    yield event
                if write and not failed:
                    write()
        elif inspect.iscoroutinefunction(fn):

            @functools.wraps(fn)
            async def handler(self, *args, **kwargs):
                refusal, write = admit(self, args, kwargs)
                if refusal is not None:
                    return refusal
                result = await fn(self, *args, **kwargs)
                if write and not _reports_error(result):
                    write()
                return result
        else:

            @functools.wraps(fn)
            def handler(self, *args, **kwargs):
                refusal, write = admit(self, args, kwargs)
                if refusal is not None:
                    return refusal
                result = fn(self, *args, **kwargs)
                if write is None:
                    return result
                if inspect.isgenerator(result):
                    return _recorded(result, write)
                if not _reports_error(result):
                    write()
                return result

        setattr(handler, GUARD_ATTRIBUTE, guard)
        return rx.event(handler, background=True) if background else rx.event(handler)

    return decorate


# --- arguments -------------------------------------------------------------------------------------


def _arguments_check(fn: Callable) -> Callable[[Any, tuple, dict], dict | None]:
    """A function telling whether a call's arguments fit `fn`'s signature and annotations; it
    returns them by name (without `self`) or None."""
    signature = inspect.signature(fn)
    hints = typing.get_type_hints(fn)

    def check(state, args: tuple, kwargs: dict) -> dict | None:
        try:
            bound = signature.bind(state, *args, **kwargs)
        except TypeError:
            return None
        named = dict(list(bound.arguments.items())[1:])
        if all(_fits(value, hints.get(name, Any)) for name, value in named.items()):
            return named
        return None

    return check


def _fits(value: Any, hint: Any) -> bool:
    """Whether an argument from the browser is what the handler's annotation says, and small."""
    if hint is Any:
        return True
    origin = typing.get_origin(hint)
    if origin in (typing.Union, types.UnionType):
        return any(_fits(value, option) for option in typing.get_args(hint))
    if origin is list:
        (item,) = typing.get_args(hint)
        return isinstance(value, list) and len(value) <= MAX_ITEMS and all(_fits(v, item) for v in value)
    if hint is type(None):
        return value is None
    if hint is bool:
        return isinstance(value, bool)
    if hint is int:
        return isinstance(value, int) and not isinstance(value, bool) and abs(value) <= MAX_INT
    if hint is str:
        return isinstance(value, str) and len(value) <= MAX_TEXT
    if hint is dict or origin is dict:
        return isinstance(value, dict) and _small(value)
    if isinstance(hint, type):  # what Reflex itself hands over, e.g. an upload's chunk iterator
        return isinstance(value, hint)
    return False


def _small(value: Any, depth: int = 0) -> bool:
    """A form's values: plain JSON of bounded size."""
    if depth > 3:
        return False
    if value is None or isinstance(value, (bool, int, float)):
        return True
    if isinstance(value, str):
        return len(value) <= MAX_TEXT
    if isinstance(value, list):
        return len(value) <= MAX_ITEMS and all(_small(v, depth + 1) for v in value)
    if isinstance(value, dict):
        return len(value) <= MAX_ITEMS and all(
            isinstance(k, str) and len(k) <= 200 and _small(v, depth + 1) for k, v in value.items()
        )
    return False
