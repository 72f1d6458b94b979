"""The dashboard's frame: a sidebar with the navigation, a header with the page title.

`dashboard_page` registers a page and wraps its content in the frame, so a page module only
describes its own content.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import reflex as rx
from reflex.event import EventType

from campaign_dashboard.ui import routes
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.fields import callout_if

APP_NAME = "Campaigns"
LOGO = "/logo.svg"  # the top-level assets/ directory, which Reflex serves at the site's root
DIVIDER = f"1px solid {rx.color('gray', 5)}"
# Radix draws a select's placeholder ("Choose who gets it") in gray-a10, below WCAG AA's 4.5:1
# contrast; every page's selects (dialogs too, which render outside the frame) use gray-11.
READABLE_PLACEHOLDERS = ".rt-SelectTrigger[data-placeholder] .rt-SelectTriggerInner { color: var(--gray-11); }"


def icon_links() -> list[rx.Component]:
    """The favicon in every page's head (React puts a page's <link> there): the SVG logo, and
    favicon.ico for browsers without SVG icons."""
    return [
        rx.el.link(rel="icon", href="/favicon.ico", sizes="any"),
        rx.el.link(rel="icon", href=LOGO, type="image/svg+xml"),
    ]


def nav_link(item: routes.NavItem) -> rx.Component:
    path = rx.State.router.url.path
    active = (path == item.route) | (path.startswith(item.route + "/") & (item.route != "/"))
    return rx.link(
        rx.hstack(
            rx.icon(item.icon, size=18),
            rx.text(item.label, size="3"),
            align="center",
            spacing="3",
            padding_x="0.75em",
            padding_y="0.5em",
            border_radius="var(--radius-3)",
            width="100%",
            background=rx.cond(active, rx.color("accent", 4), "transparent"),
            color=rx.cond(active, rx.color("accent", 11), rx.color("gray", 12)),
            _hover={"background": rx.color("accent", 3)},
        ),
        href=item.route,
        underline="none",
        width="100%",
    )


def sidebar() -> rx.Component:
    return rx.vstack(
        rx.hstack(
            rx.image(src=LOGO, alt="", width="26px", height="26px"),
            rx.heading(APP_NAME, size="5"),
            align="center",
            spacing="2",
            padding_x="0.75em",
            padding_bottom="1em",
        ),
        *[nav_link(item) for item in routes.NAVIGATION],
        rx.cond(AuthState.is_admin, rx.vstack(*[nav_link(item) for item in routes.ADMIN_NAVIGATION], width="100%")),
        rx.spacer(),
        user_box(),
        spacing="1",
        padding="1em",
        width="15em",
        min_width="15em",
        height="100vh",
        position="sticky",
        top="0",
        border_right=DIVIDER,
        background=rx.color("gray", 2),
        display=["none", "none", "flex"],
        as_="nav",
    )


def user_box() -> rx.Component:
    """Who is signed in, with which role, and the way out."""
    return rx.vstack(
        rx.link(
            rx.text(AuthState.user_name, size="2", weight="medium", id="current-user", trim="both"),
            href=routes.ACCOUNT,
            title="Your account and password",
            color_scheme="gray",
            high_contrast=True,
        ),
        rx.hstack(
            rx.badge(AuthState.role, variant="outline", id="current-role"),
            rx.spacer(),
            logout_form(
                "logout-form",
                rx.button(
                    rx.icon("log-out", size=14), "Log out", type="submit", variant="ghost", size="1", id="logout"
                ),
            ),
            width="100%",
            align="center",
        ),
        spacing="1",
        width="100%",
        padding="0.75em",
        border_top=DIVIDER,
    )


def logout_form(form_id: str, button: rx.Component) -> rx.Component:
    """Logging out is a plain form post: the server ends the session and clears the HttpOnly cookie.
    (Reflex's forms stop the browser's own submit, so the submit handler posts it.)"""
    return rx.el.form(
        button,
        action=routes.LOGOUT_POST,
        method="post",
        id=form_id,
        style={"display": "inline"},
        on_submit=rx.call_script(f"document.getElementById('{form_id}').submit()"),
    )


def mobile_nav() -> rx.Component:
    """The navigation as a row of links on narrow screens, where the sidebar is hidden."""
    return rx.hstack(
        *[rx.link(item.label, href=item.route, size="2") for item in routes.NAVIGATION],
        rx.cond(
            AuthState.is_admin, rx.hstack(*[rx.link(i.label, href=i.route, size="2") for i in routes.ADMIN_NAVIGATION])
        ),
        logout_form("logout-form-narrow", rx.button("Log out", type="submit", variant="ghost", size="2")),
        spacing="3",
        wrap="wrap",
        padding="0.75em 1em",
        border_bottom=DIVIDER,
        display=["flex", "flex", "none"],
    )


def header(title: str) -> rx.Component:
    return rx.hstack(
        rx.heading(title, size="7", as_="h1"),
        rx.spacer(),
        rx.color_mode.button(variant="ghost", aria_label="Switch between light and dark mode"),
        align="center",
        width="100%",
        padding_bottom="1em",
    )


def worker_banner() -> rx.Component:
    """Every role sees it: campaigns wait and no worker runs (see AuthState._check_workers)."""
    return callout_if(
        AuthState.worker_warning,
        icon="triangle-alert",
        color_scheme="red",
        role="alert",
        id="worker-warning",
        margin_bottom="1em",
    )


def session_end() -> rx.Component:
    """A tab whose session ended (logged out in another tab, expired) goes to the login page, and
    comes back to this page after signing in (see `AuthState._user`)."""
    return rx.cond(
        AuthState.session_ended_to != "",
        rx.box(on_mount=rx.redirect(AuthState.session_ended_to, replace=True), display="none"),
    )


def shell(title: str, content: rx.Component) -> rx.Component:
    return rx.hstack(
        rx.el.style(READABLE_PLACEHOLDERS),
        session_end(),
        sidebar(),
        rx.box(
            mobile_nav(),
            rx.box(worker_banner(), header(title), content, padding="1.5em 2em", max_width="80em"),
            flex="1",
            min_width="0",
        ),
        spacing="0",
        align="start",
        width="100%",
    )


# Every page, as `App.add_page` keyword arguments; the app module adds them once. (`@rx.page`
# would re-apply its registrations at each compile and warn that every page is redefined.)
PAGES: list[dict[str, Any]] = []


def dashboard_page(
    *, route: str, title: str, on_load: EventType | None = None
) -> Callable[[Callable[[], rx.Component]], Callable[[], rx.Component]]:
    """Register the decorated content function as a page at `route`, inside the frame.

    Every page first checks the session (visitors go to the login page); `on_load` runs after.
    """
    events: list = [AuthState.check_login]
    if on_load is not None:
        events.extend(on_load if isinstance(on_load, list) else [on_load])

    def decorator(content: Callable[[], rx.Component]) -> Callable[[], rx.Component]:
        def render() -> rx.Component:
            return shell(title, content())

        render.__name__ = content.__name__
        PAGES.append(
            {
                "component": render,
                "route": route,
                "title": f"{title} · {APP_NAME}",
                "on_load": events,
                "meta": icon_links(),
            }
        )
        return render

    return decorator


def not_found() -> rx.Component:
    """What an unknown address shows, inside the frame: say so and offer the way home."""
    return rx.vstack(
        rx.text("There is no page at this address. It may have moved, or the link may be mistyped.", size="3"),
        rx.link(
            rx.hstack(rx.icon("house", size=16), rx.text("Go to the overview"), align="center", spacing="1"),
            href=routes.OVERVIEW,
            id="not-found-home",
        ),
        spacing="3",
        id="page-not-found",
    )
