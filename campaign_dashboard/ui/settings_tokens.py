"""Settings: API tokens for scripts and integrations. A new token is shown once, then only its
prefix; revoking (after a confirmation) refuses it from the next request on."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import reflex as rx
from sqlmodel import Session

from campaign_dashboard.db import session_scope
from campaign_dashboard.models import ApiToken, Role, id_of
from campaign_dashboard.services.accounts import tokens
from campaign_dashboard.services.errors import DomainError
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.components import iso_utc, local_time, row_button, soft_badge
from campaign_dashboard.ui.confirm import confirm_button
from campaign_dashboard.ui.copy_button import shown_once_dialog
from campaign_dashboard.ui.form_dialog import Field, form_dialog, submit
from campaign_dashboard.ui.guard import guarded
from campaign_dashboard.ui.settings_users import ROLES, managed_list, role_badge


@dataclass
class TokenRow:
    id: int
    name: str
    prefix: str
    role: str
    created: str  # ISO UTC
    last_used: str  # ISO UTC, "" when never
    revoked: str  # ISO UTC, "" while live


def _row(token: ApiToken) -> TokenRow:
    return TokenRow(
        id_of(token),
        token.name,
        token.prefix,
        token.role,
        iso_utc(token.created_at),
        iso_utc(token.last_used_at),
        iso_utc(token.revoked_at),
    )


class TokensState(AuthState):
    rows: list[TokenRow] = []
    creating: bool = False
    errors: dict[str, str] = {}
    new_token: str = ""  # the plain token, held only until its dialog is closed
    new_token_name: str = ""

    def _show(self, allowed: bool) -> None:
        self.creating, self.errors, self.new_token, self.new_token_name = False, {}, "", ""
        if not allowed:
            self.rows = []
            return
        self._reload()

    def _reload(self) -> None:
        with session_scope() as session:
            self.rows = [_row(t) for t in tokens.list_tokens(session=session)]

    @guarded(Role.ADMIN)
    def open_create(self, value: bool = True):
        self.creating, self.errors = value, {}

    @guarded(Role.ADMIN, writes=True)
    def create(self, form: dict):
        def make(session: Session) -> tuple[str, str]:
            row, plain = tokens.create_token(session=session, name=form.get("name") or "", role=form.get("role") or "")
            return row.name, plain

        made, self.errors = submit(("name", "role"), make)
        if made is None:
            return
        self.creating = False
        self.new_token_name, self.new_token = made
        self._reload()

    @guarded(Role.ADMIN)
    def forget_new_token(self, open: bool = False):
        """The token dialog closed: the plain token is gone for good."""
        if not open:
            self.new_token = self.new_token_name = ""

    @guarded(Role.ADMIN, writes=True)
    def revoke(self, token_id: int):
        try:
            with session_scope() as session:
                name = tokens.revoke_token(session=session, token_id=token_id).name
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self._reload()
        return rx.toast.success(f"Revoked the token “{name}”: it is refused from now on.")


def token_row(token: rx.Var) -> rx.Component:
    live = token.revoked == ""
    return rx.table.row(
        rx.table.row_header_cell(rx.text(token.name, weight="medium")),
        rx.table.cell(rx.code(token.prefix, "…"), white_space="nowrap"),
        rx.table.cell(role_badge(token.role)),
        rx.table.cell(local_time(token.created), white_space="nowrap"),
        rx.table.cell(rx.cond(token.last_used != "", local_time(token.last_used), "never"), white_space="nowrap"),
        rx.table.cell(
            rx.cond(
                live,
                soft_badge("live", color_scheme="green"),
                soft_badge("revoked ", local_time(token.revoked), color_scheme="gray"),
            ),
            white_space="nowrap",
        ),
        rx.table.cell(
            rx.cond(
                live,
                confirm_button(
                    row_button("Revoke", color_scheme="red", class_name="revoke-token"),
                    title=f"Revoke “{token.name}”?",
                    description="Every script using it gets 401 from its next request on. This cannot be undone.",
                    action="Revoke",
                    on_confirm=TokensState.revoke(token.id),
                    confirm_id="confirm-revoke",
                ),
            ),
        ),
        class_name="token-row",
        data_name=token.name,
    )


def create_token_dialog() -> rx.Component:
    return form_dialog(
        TokensState,
        form_id="new-token",
        title="New API token",
        description="Scripts send it as `Authorization: Bearer <token>` to /api/v1. Its role limits what it may do.",
        fields=[
            Field("name", "Name", partial(rx.input, placeholder="e.g. CRM sync")),
            Field(
                "role",
                "Role",
                partial(rx.select, ROLES, default_value=Role.VIEWER.value),
                "Viewer tokens may only read; marketer and admin tokens may change campaigns and contacts.",
            ),
        ],
        submit="Create token",
    )


def new_token_dialog() -> rx.Component:
    return shown_once_dialog(
        rx.fragment("Token “", TokensState.new_token_name, "” created"),
        "Copy it now: it is shown only this once and stored only as a hash.",
        TokensState.new_token,
        on_open_change=TokensState.forget_new_token,
        value_id="new-token-value",
        copy_id="copy-new-token",
        done_id="new-token-done",
        done="Token copied.",
    )


def tokens_section() -> rx.Component:
    return managed_list(
        "API tokens",
        rx.button(rx.icon("key-round", size=16), "New token", id="new-token", on_click=TokensState.open_create(True)),
        [create_token_dialog(), new_token_dialog()],
        ["Name", "Prefix", "Role", "Created", "Last used", "Status", ""],
        TokensState.rows,
        token_row,
        empty="No API tokens yet: create one with “New token” (or `campaign-dashboard token create`).",
        table_id="api-tokens",
    )
