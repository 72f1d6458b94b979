"""The state of the email and SMS campaign lists: every campaign of one channel, by status, with
its progress and the actions its lifecycle allows right now.

The two pages differ only in their channel, so they share this one state. The list re-reads itself
while a tab shows it (only when `live.channel_marker` moved), so a started campaign is seen sending
and then sent without a reload. A row's lifecycle action goes through `campaigns.commands`.
"""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, field

import reflex as rx

from campaign_dashboard.db import session_scope
from campaign_dashboard.models import CampaignStatus, Channel, Role
from campaign_dashboard.services import campaigns
from campaign_dashboard.services.campaigns import commands
from campaign_dashboard.services.campaigns.lifecycle import Action
from campaign_dashboard.services.errors import DomainError
from campaign_dashboard.services.events.breaker import paused_by_breaker
from campaign_dashboard.services.stats import live
from campaign_dashboard.ui import routes, url_state
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.campaign_form import CampaignFormState
from campaign_dashboard.ui.components import iso_utc
from campaign_dashboard.ui.confirm import SendCheck, check_saved
from campaign_dashboard.ui.guard import BAD_REQUEST, guarded
from campaign_dashboard.ui.polling import POLL_SECONDS, still_watching
from campaign_dashboard.wiring import campaign_queue

NOUNS = {"email": "email", "sms": "SMS"}
PAGE_SIZE = 20
ALL, ARCHIVED = "all", "archived"
STATUSES = [s.value for s in CampaignStatus]
TABS = [ALL, *STATUSES, ARCHIVED]  # "all" and the statuses leave archived campaigns out
NEWEST, OLDEST = "newest", "oldest"
# Menu entries in this order; lifecycle actions only when `lifecycle.allowed_actions` allows them.
ACTION_LABELS = {
    "start": "Start sending",
    "schedule": "Schedule…",
    "unschedule": "Unschedule",
    "pause": "Pause",
    "resume": "Resume",
    "edit": "Edit…",
    "duplicate": "Duplicate",
    "cancel": "Cancel campaign…",
    "archive": "Archive",
    "delete": "Delete…",
}
# Why resuming a campaign the reputation breaker paused asks first (the list and the campaign page).
BREAKER_RESUME = (
    "The reputation breaker paused it: too many of its first messages hard-bounced or were marked "
    "as spam. Resuming sends to everyone left, and the breaker will not pause it again."
)
CONFIRM = {
    "cancel": (
        "Cancel this campaign?",
        "Messages not sent yet will never be sent. What was already sent stays in its history. This cannot be undone.",
        "Cancel campaign",
    ),
    "delete": (
        "Delete this campaign?",
        "The campaign and its settings are removed for good. This cannot be undone.",
        "Delete campaign",
    ),
    "resume": (  # asked only of a campaign the reputation breaker paused
        "Resume despite the reputation breaker?",
        BREAKER_RESUME,
        "Resume sending",
    ),
}
DONE = {
    "start": "started: sending is queued",
    "schedule": "scheduled",
    "unschedule": "is a draft again",
    "pause": "paused",
    "resume": "resumed",
    "cancel": "cancelled",
    "duplicate": "duplicated as a new draft",
    "archive": "archived",
    "delete": "deleted",
}


def apply_action(
    session, channel: str, campaign_id: int, action: str, reason: str | None = None, *, skip_missing: bool = False
) -> None:
    """A lifecycle action through `campaigns.commands`, with the app's queue (the list's and the
    campaign page's buttons alike). ValueError for an unknown action."""
    commands.apply_action(
        session=session,
        channel=channel,
        campaign_id=campaign_id,
        action=Action(action),
        queue=campaign_queue,
        reason=reason,
        skip_missing=skip_missing,
    )


@dataclass
class CampaignRow:
    id: int = 0
    name: str = ""
    href: str = ""
    status: str = ""
    reason: str = ""
    breaker: bool = False  # paused by the reputation breaker: resuming asks first
    recipients: int = 0
    sent: int = 0
    delivered: int = 0
    engaged: int = 0  # unique opens (email) or replies (SMS)
    clicked: int = 0  # unique clicks (email)
    progress: int = 0  # percent of recipients processed
    created_at: str = ""
    scheduled_at: str = ""
    sent_on: str = ""  # when sending started, once it has
    actions: list[str] = field(default_factory=list)


def to_row(campaign, channel: str) -> CampaignRow:
    data = campaigns.to_dict(campaign, channel)
    actions = [
        a
        for a in ACTION_LABELS
        if a in data["allowed_actions"]
        or (a == "edit" and data["can_edit"])
        or a == "duplicate"
        or (a == "archive" and data["can_archive"])
        or (a == "delete" and data["can_delete"])
    ]
    return CampaignRow(
        id=campaign.id,
        name=campaign.name,
        href=routes.campaign_detail(channel, campaign.id),
        status=campaign.status,
        reason=campaign.status_reason or "",
        breaker=paused_by_breaker(campaign),
        recipients=campaign.recipients,
        sent=campaign.sent,
        delivered=campaign.delivered,
        engaged=campaign.unique_human_opens if channel == Channel.EMAIL else campaign.replied,
        clicked=campaign.unique_human_clicks if channel == Channel.EMAIL else 0,
        progress=round(100 * data["progress"]),
        created_at=iso_utc(campaign.created_at),
        scheduled_at=iso_utc(campaign.scheduled_at),
        sent_on=iso_utc(campaign.started_at) if campaign.sent else "",
        actions=actions,
    )


class CampaignsState(AuthState):
    # The channel `rows` belong to ("" before the first load): a page shows its list only once it
    # holds that page's channel, never the other page's campaigns.
    channel: str = ""
    rows: list[CampaignRow] = []
    counts: dict[str, int] = {}
    status: str = ALL
    search: str = ""
    order: str = NEWEST
    cursor: str = ""  # this page's cursor ("" = first page)
    previous: list[str] = []  # cursors of the pages before this one
    next_cursor: str = ""
    confirm_action: str = ""
    confirm_id: int = 0
    confirm_name: str = ""
    send: SendCheck = SendCheck()  # the start being confirmed ("" question: none)
    _send_id: int = 0
    _send_name: str = ""
    _marker: str = ""
    _watching: bool = False

    @rx.var
    def total(self) -> int:
        return sum(self.counts.get(status, 0) for status in STATUSES)

    @guarded(Role.VIEWER)
    def load(self, channel: str):
        """The list the address asks for: its tab, search, order and page (a shared link, a
        reload, or Back from a campaign)."""
        if channel not in NOUNS:
            return rx.toast.error(BAD_REQUEST)
        asked = url_state.asked(self)
        self.channel = channel
        tab = asked.get("tab", "")
        self.status = tab if tab in TABS else ALL
        self.search = asked.get("q", "")
        self.order = OLDEST if asked.get("order") == OLDEST else NEWEST
        pages = url_state.cursors_from(asked.get("pages", ""))
        self.cursor, self.previous = pages[-1], pages[:-1]
        try:
            self._read()
        except DomainError as exc:  # a hand-edited address: the first page instead
            self._first_page()
            return [rx.toast.error(exc.message), self._in_address(), CampaignsState.watch]
        return CampaignsState.watch

    def _first_page(self) -> None:
        self.cursor, self.previous = "", []
        self._read()

    def _in_address(self):
        path = routes.EMAIL_CAMPAIGNS if self.channel == Channel.EMAIL else routes.SMS_CAMPAIGNS
        params = {
            "tab": "" if self.status == ALL else self.status,
            "q": self.search.strip(),
            "order": "" if self.order == NEWEST else self.order,
            "pages": url_state.chain([*self.previous, self.cursor]),
        }
        return url_state.show_in_address(path, params)

    def _read(self) -> None:
        """The current page and the per-status counts, as the filters say."""
        if not self._signed_in():
            return
        with session_scope() as session:
            page = campaigns.list_campaigns(
                session=session,
                channel=self.channel,
                status=self.status if self.status in STATUSES else None,
                search=self.search,
                archived=self.status == ARCHIVED,
                cursor=self.cursor or None,
                limit=PAGE_SIZE,
                newest_first=self.order == NEWEST,
            )
            self.rows = [to_row(c, self.channel) for c in page.items]
            self.next_cursor = page.next_cursor or ""
            self.counts = {
                **campaigns.status_counts(session=session, channel=self.channel, search=self.search),
                ARCHIVED: sum(
                    campaigns.status_counts(
                        session=session, channel=self.channel, search=self.search, archived=True
                    ).values()
                ),
            }
            self._marker = live.channel_marker(session=session, channel=self.channel)

    @guarded(Role.VIEWER, background=True)
    async def watch(self):
        """Re-read the page whenever a campaign of the channel changed, while the tab shows it."""
        async with self:
            if self._watching:
                return
            self._watching = True
        try:
            while True:
                await asyncio.sleep(POLL_SECONDS)
                async with self:
                    watched = await still_watching(self, routes.EMAIL_CAMPAIGNS, routes.SMS_CAMPAIGNS)
                    if not (watched and self.channel):
                        return
                    with session_scope() as session:
                        changed = live.channel_marker(session=session, channel=self.channel) != self._marker
                    if changed:
                        self._read()
        finally:
            async with self:
                self._watching = False

    @guarded(Role.VIEWER)
    def show_status(self, status: str):
        self.status = status if status in TABS else ALL
        self._first_page()
        return self._in_address()

    @guarded(Role.VIEWER)
    def set_search(self, value: str):
        self.search = value
        self._first_page()
        return self._in_address()

    @guarded(Role.VIEWER)
    def set_order(self, value: str):
        self.order = OLDEST if value == OLDEST else NEWEST
        self._first_page()
        return self._in_address()

    @guarded(Role.VIEWER)
    def next_page(self):
        if self.next_cursor:
            self.previous = [*self.previous, self.cursor]
            self.cursor = self.next_cursor
            self._read()
        return self._in_address()

    @guarded(Role.VIEWER)
    def previous_page(self):
        if self.previous:
            self.cursor, self.previous = self.previous[-1], self.previous[:-1]
            self._read()
        return self._in_address()

    @guarded(Role.VIEWER)
    def reload(self):
        if self.channel:
            self._read()

    # --- actions -----------------------------------------------------------------------------

    @guarded(Role.MARKETER, writes=True)
    def act(self, campaign_id: int, action: str, name: str):
        """A row's menu entry: run it, ask first (start, cancel, delete), or open the form (edit, schedule)."""
        if action not in ACTION_LABELS or self.channel not in NOUNS:
            return rx.toast.error(BAD_REQUEST)
        if action == "start":
            return CampaignsState.ask_start(campaign_id, name)
        if action in ("edit", "schedule"):
            return CampaignFormState.open_edit(self.channel, campaign_id, action == "schedule")
        if action in CONFIRM and (action != "resume" or self._paused_by_breaker(campaign_id)):
            self.confirm_action, self.confirm_id, self.confirm_name = action, campaign_id, name
            return
        return self._run(campaign_id, action, name)

    @guarded(Role.MARKETER, writes=True)
    def confirm(self):
        action, campaign_id, name = self.confirm_action, self.confirm_id, self.confirm_name
        self._forget_confirm()
        if action in CONFIRM and self.channel in NOUNS:
            return self._run(campaign_id, action, name)

    @guarded(Role.MARKETER)
    async def ask_start(self, campaign_id: int, name: str):
        """Show what starting will do (audience, sender, cost, problems) before it is done. Renders
        for the audience's contacts, so in a worker thread."""
        if self.channel not in NOUNS:
            return rx.toast.error(BAD_REQUEST)
        try:
            check = await asyncio.to_thread(check_saved, self.channel, campaign_id)
        except DomainError as exc:
            self._read()
            return rx.toast.error(exc.message)
        self.send, self._send_id, self._send_name = check, campaign_id, name

    @guarded(Role.MARKETER, writes=True)
    def confirm_start(self, skip: bool = False):
        """The confirmation's button; `skip`: its "send anyway, skipping N" (the preflight runs again)."""
        campaign_id, name = self._send_id, self._send_name
        allowed = self.send.skip != "" if skip is True else self.send.can_send
        self.close_start()
        if campaign_id and allowed and self.channel in NOUNS:
            return self._run(campaign_id, "start", name, skip_missing=skip is True)

    @guarded(Role.VIEWER)
    def close_start(self):
        self.send, self._send_id, self._send_name = SendCheck(), 0, ""

    @guarded(Role.VIEWER)
    def close_confirm(self):
        self._forget_confirm()

    def _paused_by_breaker(self, campaign_id: int) -> bool:
        return any(row.id == campaign_id and row.breaker for row in self.rows)

    def _forget_confirm(self) -> None:
        self.confirm_action, self.confirm_id, self.confirm_name = "", 0, ""

    def _run(self, campaign_id: int, action: str, name: str, *, skip_missing: bool = False):
        channel = self.channel
        try:
            with session_scope() as session:
                if action == "duplicate":
                    campaigns.duplicate(session=session, channel=channel, campaign_id=campaign_id)
                elif action == "archive":
                    campaigns.archive(session=session, channel=channel, campaign_id=campaign_id)
                elif action == "delete":
                    campaigns.delete(session=session, channel=channel, campaign_id=campaign_id)
                else:
                    apply_action(session, channel, campaign_id, action, skip_missing=skip_missing)
        except (DomainError, ValueError) as exc:
            self._read()
            return rx.toast.error(getattr(exc, "message", f"Unknown action {action!r}."))
        self._read()
        return rx.toast.success(f"“{name}” {DONE[action]}.")
