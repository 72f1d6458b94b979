"""Who moved a campaign and when: its status changes as the audit log recorded them.

The campaign page marks pauses and resumes on its activity chart and says who cancelled. No
table keeps a campaign's status history; the audit log already records every write a person made
(`services.accounts.audit`): the API's as `email_campaign.pause` on `email_campaign` <id>, the
dashboard's as `dashboard.<State>.<handler>:pause` on `campaign` <id> with the handler's arguments.
A dashboard entry names its channel only when the handler took one (the campaign page does); one
that does not is counted only when no campaign of the other channel has that id. The worker's own
pauses (a used-up quota) are not in the log: their reason is on the campaign.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlmodel import Session, col, select

from campaign_dashboard.models import AuditEntry, Channel
from campaign_dashboard.services.campaigns.lifecycle import USER_ACTIONS
from campaign_dashboard.services.channels import campaign_model

VERBS = frozenset(a.value for a in USER_ACTIONS)
DASHBOARD = "campaign"  # the dashboard guard's object type for a `campaign_id` argument


@dataclass(frozen=True)
class StatusChange:
    at: datetime
    action: str  # a lifecycle action a person took: start, pause, resume, cancel...
    actor: str  # their email, or the API token's name ("" when the log has none)


def status_changes(*, session: Session, channel: str, campaign_id: int, limit: int = 200) -> list[StatusChange]:
    """The campaign's lifecycle actions taken by people, oldest first (the newest `limit`)."""
    channel = Channel(channel)
    api_type = f"{channel.value}_campaign"
    entries = session.exec(
        select(AuditEntry)
        .where(col(AuditEntry.object_type).in_([api_type, DASHBOARD]), col(AuditEntry.object_id) == str(campaign_id))
        .order_by(col(AuditEntry.id).desc())
        .limit(max(1, min(limit, 1000)))
    ).all()
    other_has_it: bool | None = None  # read once, only if an entry does not name its channel
    changes: list[StatusChange] = []
    for entry in reversed(entries):
        if entry.object_type == api_type:
            verb = entry.action.removeprefix(f"{api_type}.")
        else:
            verb, named = _dashboard_action(entry)
            if named is None:
                if other_has_it is None:
                    other = Channel.SMS if channel is Channel.EMAIL else Channel.EMAIL
                    other_has_it = session.get(campaign_model(other), campaign_id) is not None
                if other_has_it:
                    continue
            elif named != channel.value:
                continue
        if verb in VERBS:
            changes.append(StatusChange(at=entry.at, action=verb, actor=entry.actor_label))
    return changes


def _dashboard_action(entry: AuditEntry) -> tuple[str, str | None]:
    """(the lifecycle verb after the handler's name, the channel its arguments name or None)."""
    if not entry.action.startswith("dashboard.") or ":" not in entry.action:
        return "", None
    args = (entry.detail or {}).get("args")
    named = args.get("channel") if isinstance(args, dict) else None
    return entry.action.rsplit(":", 1)[1], named if isinstance(named, str) else None


def last_change(changes: list[StatusChange], action: str) -> StatusChange | None:
    """The most recent change by `action` (who cancelled), if the log has one."""
    return next((c for c in reversed(changes) if c.action == action), None)
