"""Segments: rule sets and static lists that campaigns target."""

from __future__ import annotations

import reflex as rx

from campaign_dashboard.db import session_scope
from campaign_dashboard.ui import queries, routes
from campaign_dashboard.ui.components import data_table, thousands
from campaign_dashboard.ui.auth import AuthState
from campaign_dashboard.ui.layout import dashboard_page


class SegmentsState(AuthState):
    segments: list[queries.SegmentRow] = []

    @rx.event
    def load(self):
        if refused := self._refuse():
            return refused
        with session_scope() as session:
            self.segments = queries.list_segments(session=session)


def segment_row(segment: rx.Var) -> rx.Component:
    return rx.table.row(
        rx.table.row_header_cell(segment.name),
        rx.table.cell(rx.badge(segment.kind, variant="outline")),
        rx.table.cell(rx.code(segment.rules)),
        rx.table.cell(
            rx.cond(segment.kind == "static", thousands(segment.members), "by rules"),
            text_align="right",
        ),
    )


@dashboard_page(route=routes.SEGMENTS, title="Segments", on_load=SegmentsState.load)
def segments_page() -> rx.Component:
    return data_table(
        ["Name", "Kind", "Rules", "Members"],
        SegmentsState.segments,
        segment_row,
        empty="No segments yet. Create one through the API (POST /api/v1/segments).",
        table_id="segments",
    )
