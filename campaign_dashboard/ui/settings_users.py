"""Settings: the dashboard's users, their roles and access; an admin creates, promotes, demotes,
deactivates and reactivates them, and resets a forgotten password (the rules live in
services/accounts/users.py). A reset's one-time password is shown once, in this admin's tab only."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial

import reflex as rx
from sqlmodel import Session

from campaign_dashboard.db import session_scope
from campaign_dashboard.models import Role, User, id_of
from campaign_dashboard.services.accounts import users
from campaign_dashboard.services.errors import DomainError
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.components import data_table, iso_utc, local_time, row_button, section, soft_badge
from campaign_dashboard.ui.confirm import confirm_button
from campaign_dashboard.ui.copy_button import shown_once_dialog
from campaign_dashboard.ui.form_dialog import Field, form_dialog, submit
from campaign_dashboard.ui.guard import guarded

ROLES = [r.value for r in Role]
ROLE_COLORS = {"admin": "crimson", "marketer": "indigo", "viewer": "gray"}
FORM_FIELDS = ("email", "name", "role", "password")


@dataclass
class UserRow:
    id: int
    email: str
    name: str
    role: str
    active: bool
    last_login: str  # ISO UTC, "" when never


def _row(user: User) -> UserRow:
    return UserRow(id_of(user), user.email, user.name, user.role, user.is_active, iso_utc(user.last_login_at))


class UsersState(AuthState):
    rows: list[UserRow] = []
    creating: bool = False
    errors: dict[str, str] = {}
    # After a reset: whose password, and the one-time password to hand over (cleared on close).
    reset_email: str = ""
    one_time_password: str = ""

    def _show(self, allowed: bool) -> None:
        if not allowed:
            self.rows, self.creating, self.errors = [], False, {}
            self.reset_email = self.one_time_password = ""
            return
        with session_scope() as session:
            self.rows = [_row(u) for u in users.list_users(session=session)]

    def _actor_id(self) -> int:
        """The signed-in admin (the guard let only an admin in)."""
        user = self._user()
        assert user is not None and user.id is not None
        return user.id

    @guarded(Role.ADMIN)
    def open_create(self, value: bool = True):
        self.creating, self.errors = value, {}

    @guarded(Role.ADMIN, writes=True)
    def create(self, form: dict):
        def make(session: Session) -> str:
            fields = {name: form.get(name) or "" for name in FORM_FIELDS}
            return users.create_user(session=session, **fields).email

        email, self.errors = submit(FORM_FIELDS, make)
        if email is None:
            return
        self.creating = False
        self._show(True)
        return rx.toast.success(f"Created {email}. They can log in now.")

    @guarded(Role.ADMIN, writes=True)
    def change_role(self, user_id: int, role: str):
        actor_id = self._actor_id()
        return self._apply(
            lambda session: users.change_role(session=session, actor_id=actor_id, user_id=user_id, role=role),
            "is now {role}",
        )

    @guarded(Role.ADMIN, writes=True)
    def set_active(self, user_id: int, active: bool):
        actor_id = self._actor_id()
        return self._apply(
            lambda session: users.set_active(session=session, actor_id=actor_id, user_id=user_id, active=active),
            "is active again" if active else "is deactivated and logged out",
        )

    @guarded(Role.ADMIN, writes=True)
    def reset_password(self, user_id: int):
        actor_id = self._actor_id()
        try:
            with session_scope() as session:
                user, temporary = users.reset_password(session=session, actor_id=actor_id, user_id=user_id)
                email = user.email
        except DomainError as exc:
            return rx.toast.error(exc.message)
        self.reset_email, self.one_time_password = email, temporary

    @guarded(Role.ADMIN)
    def close_reset(self, open_: bool = False):
        if not open_:
            self.reset_email = self.one_time_password = ""

    def _apply(self, change, done: str):
        """Run one change; on a refusal the list is reloaded too, so a role select shows the truth again."""
        try:
            with session_scope() as session:
                user = change(session)
                message = f"{user.email} " + done.format(role=user.role)
        except DomainError as exc:
            self._show(True)
            return rx.toast.error(exc.message)
        self._show(True)
        return rx.toast.success(message)


def role_badge(role: rx.Var) -> rx.Component:
    return soft_badge(role, color_scheme=rx.match(role, *ROLE_COLORS.items(), "gray"))


def user_row(user: rx.Var) -> rx.Component:
    is_me = user.email == AuthState.user_email
    return rx.table.row(
        rx.table.row_header_cell(
            rx.text(user.email, weight="medium"),
            rx.cond(is_me, rx.text("you", size="1", color_scheme="gray")),
        ),
        rx.table.cell(rx.cond(user.name != "", user.name, "—")),
        rx.table.cell(
            rx.select.root(
                rx.select.trigger(class_name="user-role", aria_label="Role"),
                rx.select.content(*[rx.select.item(role, value=role) for role in ROLES]),
                value=user.role,
                on_change=lambda role: UsersState.change_role(user.id, role),
                disabled=is_me,
                size="1",
            ),
        ),
        rx.table.cell(
            rx.cond(
                user.active,
                soft_badge("active", color_scheme="green"),
                soft_badge("deactivated", color_scheme="gray"),
            ),
        ),
        rx.table.cell(rx.cond(user.last_login != "", local_time(user.last_login), "never"), white_space="nowrap"),
        rx.table.cell(
            rx.cond(
                is_me,
                rx.fragment(),
                rx.hstack(
                    rx.cond(
                        user.active,
                        row_button(
                            "Deactivate",
                            on_click=UsersState.set_active(user.id, False),
                            color_scheme="red",
                            class_name="deactivate-user",
                        ),
                        row_button(
                            "Reactivate", on_click=UsersState.set_active(user.id, True), class_name="reactivate-user"
                        ),
                    ),
                    reset_password_button(user),
                    spacing="2",
                ),
            ),
        ),
        class_name="user-row",
        data_email=user.email,
    )


def reset_password_button(user: rx.Var) -> rx.Component:
    return confirm_button(
        row_button("Reset password", class_name="reset-password"),
        title="Reset this password?",
        description=rx.text(
            "A one-time password replaces the password of ",
            rx.text.strong(user.email),
            ". They are signed out everywhere and must choose a new password when they next sign in.",
        ),
        action="Reset password",
        on_confirm=UsersState.reset_password(user.id),
        confirm_id="confirm-reset-password",
    )


def one_time_password_dialog() -> rx.Component:
    """The reset's one-time password, shown once: the admin hands it over (in person, by phone)."""
    return shown_once_dialog(
        "One-time password",
        rx.fragment(
            "Give this password to ",
            rx.text.strong(UsersState.reset_email),
            " in person or by phone. It is shown only now; they must replace it when they sign in.",
        ),
        UsersState.one_time_password,
        on_open_change=UsersState.close_reset,
        value_id="one-time-password",
        copy_id="copy-one-time-password",
        done_id="close-one-time-password",
    )


def create_user_dialog() -> rx.Component:
    return form_dialog(
        UsersState,
        form_id="new-user",
        title="New user",
        description="They log in with this email and password.",
        fields=[
            Field("email", "Email", partial(rx.input, type="email", placeholder="name@example.com")),
            Field("name", "Name", rx.input),
            Field(
                "role",
                "Role",
                partial(rx.select, ROLES, default_value=Role.MARKETER.value),
                "Admin: users and settings. Marketer: campaigns, contacts, segments, templates. Viewer: read-only.",
            ),
            Field(
                "password",
                "Password",
                partial(rx.input, type="password", auto_complete="new-password"),
                f"At least {users.MIN_PASSWORD_LENGTH} characters.",
            ),
        ],
        submit="Create user",
    )


def managed_list(
    title: str,
    new_button: rx.Component,
    dialogs: list[rx.Component],
    headers: list[str],
    rows: rx.Var[list],
    render_row,
    *,
    empty: str,
    table_id: str,
) -> rx.Component:
    """A settings section an admin manages: its "New ..." button and dialogs over the table."""
    return section(title, new_button, *dialogs, data_table(headers, rows, render_row, empty=empty, table_id=table_id))


def users_section() -> rx.Component:
    return managed_list(
        "Users",
        rx.button(rx.icon("user-plus", size=16), "New user", id="new-user", on_click=UsersState.open_create(True)),
        [create_user_dialog(), one_time_password_dialog()],
        ["Email", "Name", "Role", "Status", "Last login", ""],
        UsersState.rows,
        user_row,
        empty="No users yet: create one with “New user”.",
        table_id="users",
    )
