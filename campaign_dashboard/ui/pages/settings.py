"""Settings (admins only): providers and their webhook URLs, users and roles, API tokens.

The page refuses everyone else on the server: its load fills the sections only for an admin and
empties them otherwise (a tab keeps its state across logins), and every action checks again.
"""

from __future__ import annotations

import reflex as rx

from campaign_dashboard.models import Role
from campaign_dashboard.ui import routes
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.components import admin_only
from campaign_dashboard.ui.guard import guarded
from campaign_dashboard.ui.layout import dashboard_page
from campaign_dashboard.ui.settings_providers import ProvidersState, providers_section
from campaign_dashboard.ui.settings_tokens import TokensState, tokens_section
from campaign_dashboard.ui.settings_users import UsersState, users_section

SECTIONS: tuple[type[ProvidersState] | type[UsersState] | type[TokensState], ...] = (
    ProvidersState,
    UsersState,
    TokensState,
)


class SettingsState(AuthState):
    # "" until the load decided; then "admin" (sections filled) or "refused" (sections empty).
    access: str = ""

    @guarded(Role.VIEWER)
    async def load(self):
        """Any signed-in user may open the page; only an admin's shows (and reads) the sections."""
        admin = self.role == Role.ADMIN.value  # the guard has just read the role from the database
        for section in SECTIONS:
            (await self.get_state(section))._show(admin)
        self.access = "admin" if admin else "refused"
        if not admin:
            return rx.toast.error(f"This needs the admin role; you are {self.role}.")


@dashboard_page(route=routes.SETTINGS, title="Settings", on_load=SettingsState.load)
def settings_page() -> rx.Component:
    return admin_only(
        SettingsState.access,
        rx.vstack(
            providers_section(),
            rx.divider(),
            users_section(),
            rx.divider(),
            tokens_section(),
            spacing="5",
            width="100%",
            id="settings",
        ),
        refusal="Only admins can open Settings. Ask an admin if you need a user, a role or an API token changed.",
        refusal_id="settings-refused",
    )
