"""Segments: rule sets and static lists that campaigns target, with their live member counts."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import reflex as rx

from campaign_dashboard.db import session_scope
from campaign_dashboard.models import Role
from campaign_dashboard.services.audience import segments
from campaign_dashboard.services.audience.segment_summaries import segment_summaries
from campaign_dashboard.ui import routes
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.components import data_table, thousands
from campaign_dashboard.ui.guard import guarded
from campaign_dashboard.ui.layout import dashboard_page
from campaign_dashboard.ui.saved_list import delete_and_reload, delete_button, saved_list_page


@dataclass
class SegmentRow:
    id: int
    name: str
    kind: str
    summary: str
    members: int
    href: str


class SegmentsState(AuthState):
    segments: list[SegmentRow] = []
    loaded: bool = False

    @guarded(Role.VIEWER)
    def load(self):
        with session_scope() as session:
            found = segment_summaries(session=session)
            self.segments = [SegmentRow(**asdict(s), href=routes.segment_detail(s.id)) for s in found]
        self.loaded = True

    @guarded(Role.MARKETER, writes=True)
    def delete(self, segment_id: int):
        return delete_and_reload(
            self, lambda session: segments.delete_segment(session=session, segment_id=segment_id), "Segment deleted."
        )


def delete_segment_button(segment: rx.Var) -> rx.Component:
    return delete_button(
        "segment",
        segment.name,
        description="Draft campaigns using it lose their audience. A segment used by a campaign that has "
        "started cannot be deleted.",
        on_confirm=SegmentsState.delete(segment.id),
    )


def segment_row(segment: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(rx.link(segment.name, href=segment.href, weight="medium")),
        rx.table.cell(rx.badge(segment.kind, variant="outline")),
        rx.table.cell(rx.text(segment.summary, size="2")),
        rx.table.cell(thousands(segment.members), text_align="right", class_name="segment-members"),
        rx.table.cell(rx.cond(AuthState.can_write, delete_segment_button(segment))),
    )


@dashboard_page(route=routes.SEGMENTS, title="Segments", on_load=SegmentsState.load)
def segments_page() -> rx.Component:
    return saved_list_page(
        intro="Who campaigns go to: contacts matching rules, or a list you pick. Members are counted now, before "
        "suppressions and opt-outs.",
        noun="segment",
        new_href=routes.segment_detail(routes.NEW),
        loaded=SegmentsState.loaded,
        table=data_table(
            ["Name", "Kind", "Rules", "Members", ""],
            SegmentsState.segments,
            segment_row,
            empty='No segments yet. Create one with New segment: rules like "tag is vip", or a static list.',
            table_id="segments",
        ),
    )
