"""Every Reflex event handler of the dashboard, fired by name over a real websocket to the real
backend, as nobody, as a viewer and as a marketer: nobody gets data, a viewer cannot write or
render, bad arguments change nothing, and nothing reaches the database.

The handlers come from Reflex's own registry (every state class the app registers), so a handler
added tomorrow is fired too; `test_every_dashboard_handler_carries_the_guard` fails at once
when it has no `@guarded`.
"""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
import threading
import time
import typing
from typing import Any

import sqlalchemy as sa
from sqlmodel import SQLModel

import campaign_dashboard.campaign_dashboard  # noqa: F401 - registers every page state
from campaign_dashboard.models import Role
from campaign_dashboard.ui.guard import MAX_TEXT, guard_of
from tests.helpers.security import PASSWORD, SECRETS, Backend

# Reflex's own handlers (hydration, client storage, on_load dispatch, error reports). They read
# nothing of ours; on_load dispatch runs our guarded handlers. A new one must be looked at.
REFLEX_HANDLERS = {
    "reflex___state____state.hydrate",
    "reflex___state____state.hydrate_and_load",
    "reflex___state____state.set_is_hydrated",
    "reflex___state____state.setvar",
    "reflex___state____state.reflex___state____update_vars_internal_state.setvar",
    "reflex___state____state.reflex___state____update_vars_internal_state.update_vars_internal",
    "reflex___state____state.reflex___state____on_load_internal_state.on_load_internal",
    "reflex___state____state.reflex___state____on_load_internal_state.set_is_hydrated",
    "reflex___state____state.reflex___state____on_load_internal_state.setvar",
    "reflex___state____state.reflex___state____frontend_event_exception_state.handle_frontend_exception",
    "reflex___state____state.reflex___state____frontend_event_exception_state.setvar",
    "reflex___state____state.reflex___istate___shared____shared_state_base_internal.setvar",
}
# What a refused caller may get back: who is signed in (nobody), and Reflex's own bookkeeping.
DISPLAY_VARS = {
    "user_name_rx_state_",
    "user_email_rx_state_",
    "role_rx_state_",
    "can_write_rx_state_",
    "is_admin_rx_state_",
    "must_change_password_rx_state_",  # who is signed in: their password was reset
}
REFUSED = {"marketer": "This needs the marketer role", "admin": "This needs the admin role"}


def registered_handlers() -> dict[str, Any]:
    """Every event handler of every state class the app registers, by its full event name."""
    from reflex_base.registry import RegistrationContext

    return {name: registered.handler for name, registered in RegistrationContext.get().event_handlers.items()}


def dashboard_handlers() -> dict[str, Any]:
    return {
        name: h for name, h in registered_handlers().items() if h.state.__module__.startswith("campaign_dashboard.")
    }


def test_every_dashboard_handler_carries_the_guard():
    handlers = registered_handlers()
    ours = dashboard_handlers()
    assert len(ours) > 80  # the registry really holds the app's states
    unguarded = sorted(name for name, h in ours.items() if guard_of(h.fn) is None)
    assert unguarded == []
    assert set(handlers) - set(ours) == REFLEX_HANDLERS
    public = sorted(name.rsplit(".", 1)[-1] for name, h in ours.items() if guard_of(h.fn).role is None)
    assert public == ["open"] and all(
        guard_of(h.fn).role is not None for name, h in ours.items() if "login_state" not in name
    )
    for name, h in ours.items():
        guard = guard_of(h.fn)
        if guard.writes:
            assert guard.role in (Role.MARKETER, Role.ADMIN), name


NEW_UNGUARDED_HANDLER = """
import reflex as rx
from campaign_dashboard.ui.auth import AuthState

class ForgetfulState(AuthState):
    @rx.event
    def read_everything(self):
        pass
"""


def test_a_state_with_an_unguarded_handler_does_not_even_import():
    """(In a fresh interpreter: the refused class must not linger in this process's registry.)"""
    result = subprocess.run([sys.executable, "-c", NEW_UNGUARDED_HANDLER], capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    assert "TypeError: ForgetfulState: every event handler needs @guarded(...): read_everything" in result.stderr


# --- what to send --------------------------------------------------------------------------------

PAGES = {  # the page each state's events come from (its load reads the id in the path)
    "SegmentEditorState": "/segments/{segment_id}",
    "TemplateEditorState": "/templates/{template_id}",
    "ContactDetailState": "/contacts/{contact_id}",
    "CampaignDetailState": "/email/{campaign_id}",
    "FollowUpState": "/email/{campaign_id}",
    "AbTestState": "/email/{campaign_id}",
    "CampaignsState": "/email",
    "CampaignFormState": "/email",
    "ContactsState": "/contacts",
    "ContactImportState": "/contacts",
    "SuppressionsState": "/suppressions",
    "SegmentsState": "/segments",
    "TemplatesState": "/templates",
    "TopicsState": "/topics",
    "SettingsState": "/settings",
    "UsersState": "/settings",
    "TokensState": "/settings",
    "ProvidersState": "/settings",
    "LoginState": "/login",
    "AccountState": "/account",
}


def page_of(handler, backend: Backend) -> str:
    return PAGES.get(handler.state.__name__, "/").format(**backend.ids)


def _params(handler) -> list[inspect.Parameter]:
    return list(inspect.signature(handler.fn).parameters.values())[1:]


def _hints(handler) -> dict[str, Any]:
    try:
        return typing.get_type_hints(handler.fn)
    except Exception:  # noqa: BLE001 - Reflex's own handlers
        return {}


def plausible(name: str, handler, backend: Backend) -> dict[str, Any]:
    """Arguments the page itself would send, aimed at the seeded data (an attacker's guesses)."""
    ids, short = backend.ids, name.rsplit(".", 1)[-1]
    by_handler = {
        "set_kind": "static",
        "set_member_search": "secret",
        "set_segment": str(ids["segment_id"]),
        "set_template": str(ids["template_id"]),
        "set_source": "template",
        "set_rule_field": "attribute",
        "set_html": "<p>{{ first_name }} rendered for an attacker</p>",
        "set_subject": "{{ email }}",
        "set_search": "confidential",
        "update_vars_internal": {},
        "set_period": "7d",
    }
    by_param = {
        "index": 0,
        "contact_id": ids["contact_id"],
        "segment_id": ids["segment_id"],
        "template_id": ids["template_id"],
        "campaign_id": ids["campaign_id"],
        "user_id": ids["admin_id"],
        "token_id": 1,
        "channel": "email",
        "action": "delete",
        "name": SECRETS["campaign_name"],
        "role": "admin",
        "active": False,
        "schedule": False,
        "poll_id": "attacker",
        "zone": "UTC",
        "timezone": "UTC",
        "what": "save",
        "var_name": "is_hydrated",
        "status": "draft",
        "audience": "not_opened",
        "info": "x",
        "component_stack": "x",
        "vars": {},
        "chunks": "not an upload",
        "form": {"email": "intruder@leak.example", "name": "Intruder", "password": PASSWORD, "role": "admin"},
    }
    hints, payload = _hints(handler), {}
    for param in _params(handler):
        if param.name in by_param:
            payload[param.name] = by_param[param.name]
        elif param.name == "value" and short in by_handler:
            payload[param.name] = by_handler[short]
        elif hints.get(param.name) is bool:
            payload[param.name] = True
        elif hints.get(param.name) is int:
            payload[param.name] = 1
        else:
            payload[param.name] = "secret"
    return payload


def bad_arguments(handler) -> list[dict[str, Any]]:
    """Wrong types, huge strings, indexes and ids that do not exist, and arguments it has not got."""
    params, hints = _params(handler), _hints(handler)
    good = {p.name: {int: 1, bool: True, dict: {}}.get(hints.get(p.name), "x") for p in params}
    variants: list[dict[str, Any]] = [{**good, "unexpected": 1}]
    for p in params:
        hint = hints.get(p.name)
        wrong = [{"$": 1}, ["list"], None, 1.5]
        if hint is int:
            wrong += ["12abc", 10**6, -1, 2**80, True]
        elif hint is bool:
            wrong += ["yes", 2]
        else:
            wrong += [12, "x" * (MAX_TEXT + 1)]
        variants += [{**good, p.name: value} for value in wrong]
    return variants


# --- what comes back ------------------------------------------------------------------------------


def text_of(answer: list[dict]) -> str:
    return json.dumps(answer, default=str)


def leaked_secrets(answer: list[dict]) -> list[str]:
    text = text_of(answer).lower()
    return [key for key, secret in SECRETS.items() if secret.lower() in text]


def changed_vars(answer: list[dict], handler) -> set[str]:
    """Base vars of the handler's own state (and its parents below the root) that the answer set
    (computed vars follow them; Reflex sends them when a state is first used)."""
    computed = {f"{name}_rx_state_" for cls in handler.state.__mro__ for name in getattr(cls, "computed_vars", {})}
    names = set()
    for update in answer:
        for state, values in (update.get("delta") or {}).items():
            if state != "reflex___state____state" and handler.state.get_full_name().startswith(state):
                names |= set(values)
    return names - DISPLAY_VARS - computed


def redirected_to(answer: list[dict], path: str) -> bool:
    return any(
        event.get("name") == "_redirect" and str(event.get("payload", {}).get("path", "")).startswith(path)
        for update in answer
        for event in update.get("events") or []
    )


def redirected_to_login(answer: list[dict]) -> bool:
    return redirected_to(answer, "/login")


# Reads the audit log records (a viewer may export the contacts or the suppressions, and that
# export is logged): allowed to the role, so not a write the test is looking for.
AUDITED_READS = ("contacts.export", "suppressions.export", "contact.export")


def database_rows(backend: Backend) -> dict[str, list]:
    engine = sa.create_engine(backend.database_url)
    try:
        with engine.connect() as connection:
            rows = {
                table.name: sorted(
                    map(
                        repr,
                        connection.execute(
                            sa.select(table).where(table.c.action.not_in(AUDITED_READS))
                            if table.name == "audit_log"
                            else sa.select(table)
                        ).all(),
                    )
                )
                for table in SQLModel.metadata.sorted_tables
            }
            return rows
    finally:
        engine.dispose()


# --- the tests --------------------------------------------------------------------------------------


def test_nobody_without_a_session_gets_any_data_or_changes_anything(backend: Backend, tab):
    before = database_rows(backend)
    client = tab(None)
    problems = []
    for name, handler in sorted(registered_handlers().items()):
        answer = client.fire(name, plausible(name, handler, backend), page_of(handler, backend))
        if leaks := leaked_secrets(answer):
            problems.append(f"{name} returned {leaks}")
        if name in REFLEX_HANDLERS or guard_of(handler.fn).role is None:
            continue
        if changed := changed_vars(answer, handler):
            problems.append(f"{name} changed {sorted(changed)}")
        if not redirected_to_login(answer):
            problems.append(f"{name} did not send the visitor to log in")
    assert problems == []
    assert database_rows(backend) == before


def test_a_viewer_can_neither_write_nor_render_a_preview(backend: Backend, tab):
    before = database_rows(backend)
    client = tab("viewer")
    problems, refused = [], 0
    for name, handler in sorted(dashboard_handlers().items()):
        guard = guard_of(handler.fn)
        answer = client.fire(name, plausible(name, handler, backend), page_of(handler, backend))
        if guard.role not in (Role.MARKETER, Role.ADMIN):
            continue
        refused += 1
        if REFUSED[guard.role.value] not in text_of(answer):
            problems.append(f"{name} was not refused")
        if changed := changed_vars(answer, handler):
            problems.append(f"{name} changed {sorted(changed)}")
    assert problems == []
    assert refused > 30  # every write, every preview and every settings action
    assert database_rows(backend) == before


def test_a_marketer_is_refused_admin_actions_and_bad_arguments_change_nothing(backend: Backend, tab):
    before = database_rows(backend)
    log_before = len(backend.log())
    client = tab("marketer")
    problems = []
    for name, handler in sorted(dashboard_handlers().items()):
        guard = guard_of(handler.fn)
        page = page_of(handler, backend)
        if guard.role == Role.ADMIN:
            answer = client.fire(name, plausible(name, handler, backend), page)
            if REFUSED["admin"] not in text_of(answer) or changed_vars(answer, handler):
                problems.append(f"{name} was not refused to a marketer")
            continue
        for arguments in bad_arguments(handler):
            answer = client.fire(name, arguments, page)
            if "an error occurred" in text_of(answer).lower():
                problems.append(f"{name}({_short(arguments)}) failed on the server")
    log = backend.log()[log_before:]
    assert problems == [], (
        "\n".join(problems)
        + "\n"
        + "\n".join(line_ for line_ in log.splitlines() if "rror" in line_ or "File" in line_)[-6000:]
    )
    assert "Traceback" not in log, log[-6000:]
    assert database_rows(backend) == before


def test_a_user_whose_password_was_reset_runs_nothing_until_they_change_it(backend: Backend, tab):
    """An admin's reset leaves the account signed-in-able with a one-time password: whoever holds it
    can do nothing, not even as an admin, before choosing a new password on the account page."""
    before = database_rows(backend)
    client = tab("reset")
    problems, refused = [], 0
    for name, handler in sorted(dashboard_handlers().items()):
        guard = guard_of(handler.fn)
        answer = client.fire(name, plausible(name, handler, backend), page_of(handler, backend))
        if guard.role is None or guard.before_password_change:
            continue
        refused += 1
        if not redirected_to(answer, "/account"):
            problems.append(f"{name} did not send the user to change their password")
        if changed := changed_vars(answer, handler):
            problems.append(f"{name} changed {sorted(changed)}")
    assert problems == []
    assert refused > 50
    assert database_rows(backend) == before


def test_the_session_token_never_reaches_the_browser(backend: Backend, tab):
    client = tab("marketer")
    answer = client.fire("reflex___state____state.hydrate", {}, "/")
    token = backend.cookies["marketer"].split("=", 1)[1]
    assert token not in text_of(answer)
    assert "Guard marketer" in text_of(
        client.fire("reflex___state____state.campaign_dashboard___ui___auth____auth_state.check_login", {}, "/")
    )


def _short(arguments: dict) -> str:
    return ", ".join(f"{k}={str(v)[:20]!r}" for k, v in arguments.items())


# about 0.9 s of CPU here: slow enough to see, inside the renderer's limits (RENDER_MAX_RANGE,
# RENDER_CPU_SECONDS), so it renders to the end
SLOW_TEMPLATE = "{% for i in range(5000) %}{% for j in range(1200) %}{% endfor %}{% endfor %}<p>done</p>"


def test_a_slow_preview_never_holds_up_the_other_users(backend: Backend, tab):
    """The preview renders in a worker thread: while one marketer's template takes seconds,
    another user's events are answered at once."""
    writer, other = tab("marketer"), tab("viewer")
    editor = (
        "reflex___state____state.campaign_dashboard___ui___auth____auth_state."
        "campaign_dashboard___ui___pages___template_editor____template_editor_state"
    )
    page = f"/templates/{backend.ids['template_id']}"
    rendering: dict[str, float] = {}

    def render() -> None:
        started = time.monotonic()
        answer = writer.fire(f"{editor}.set_html", {"value": SLOW_TEMPLATE}, page)
        rendering["seconds"] = time.monotonic() - started
        rendering["done"] = "<p>done</p>" in text_of(answer)

    thread = threading.Thread(target=render)
    thread.start()
    time.sleep(0.3)
    started = time.monotonic()
    other.fire("reflex___state____state.campaign_dashboard___ui___auth____auth_state.check_login", {}, "/")
    other_seconds = time.monotonic() - started
    thread.join(timeout=60)
    assert rendering["done"] and rendering["seconds"] > 0.5
    assert other_seconds < rendering["seconds"] / 3
