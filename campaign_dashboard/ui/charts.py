"""The campaign page's Plotly charts: figures built from service reads, and the chart frame.

Figures are plain `plotly.graph_objects` built on the server from numbers already read (minute
buckets, counters, link counts); `chart` shows one with Plotly's basic bundle (bar and scatter
only, a fraction of the full library's size, so the page loads fast).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
import reflex as rx

MARGIN = {"l": 48, "r": 16, "t": 16, "b": 40}
COLORS = {"opened": "#6e56cf", "clicked": "#12a594", "delivered": "#3e63dd", "sent": "#8b8d98", "failed": "#e5484d"}
FUNNEL_STEPS = ("Recipients", "Sent", "Delivered", "Opened", "Clicked")


def _layout(fig: go.Figure, **extra) -> go.Figure:
    layout = {
        "margin": MARGIN,
        "height": 260,
        "showlegend": True,
        "paper_bgcolor": "rgba(0,0,0,0)",
        "plot_bgcolor": "rgba(0,0,0,0)",
        "legend": {"orientation": "h", "y": -0.2},
    }
    fig.update_layout(**{**layout, **extra})
    return fig


def activity_figure(series: dict[str, list[tuple[datetime, int]]], *, timezone: str = "UTC") -> go.Figure:
    """Events per minute over time, one line per metric, in the viewer's time zone."""
    try:
        zone = ZoneInfo(timezone)
    except (KeyError, ValueError):
        zone = ZoneInfo("UTC")
    fig = go.Figure()
    for metric, points in series.items():
        fig.add_trace(
            go.Scatter(
                x=[minute.astimezone(zone).strftime("%Y-%m-%d %H:%M") for minute, _ in points],
                y=[count for _, count in points],
                name=metric.capitalize(),
                mode="lines+markers",
                line={"color": COLORS.get(metric), "shape": "hv"},
                marker={"size": 4},
            )
        )
    return _layout(fig, yaxis={"title": "per minute", "rangemode": "tozero"}, xaxis={"type": "date"})


def funnel_figure(steps: list[tuple[str, int]]) -> go.Figure:
    """Each step of the funnel as a horizontal bar, widest on top, with its share of the first."""
    first = steps[0][1] if steps else 0
    labels = [name for name, _ in steps]
    values = [value for _, value in steps]
    text = [f"{value:,} ({100 * value / first:.1f}%)" if first else f"{value:,}" for value in values]
    fig = go.Figure(
        go.Bar(
            x=values,
            y=labels,
            orientation="h",
            text=text,
            textposition="auto",
            marker={
                "color": ["#8b8d98", "#8b8d98", COLORS["delivered"], COLORS["opened"], COLORS["clicked"]][: len(steps)]
            },
            hovertemplate="%{y}: %{x:,}<extra></extra>",
        )
    )
    return _layout(fig, showlegend=False, yaxis={"autorange": "reversed"}, xaxis={"rangemode": "tozero"})


def links_figure(links: list[tuple[str, int]]) -> go.Figure:
    """Clicks per link, the most clicked on top."""
    fig = go.Figure(
        go.Bar(
            x=[count for _, count in links],
            y=[_short(link) for link, _ in links],
            orientation="h",
            marker={"color": COLORS["clicked"]},
            customdata=[link for link, _ in links],
            hovertemplate="%{customdata}: %{x:,} clicks<extra></extra>",
        )
    )
    return _layout(fig, showlegend=False, yaxis={"autorange": "reversed"}, xaxis={"rangemode": "tozero"})


def _short(link: str, width: int = 40) -> str:
    bare = link.split("://", 1)[-1]
    return bare if len(bare) <= width else bare[: width - 1] + "…"


def chart(title: str, figure: rx.Var, *, chart_id: str, empty: rx.Var[bool], empty_text: str) -> rx.Component:
    """A titled card with the figure, or a short note while there is nothing to draw."""
    return rx.card(
        rx.vstack(
            rx.text(title, size="3", weight="medium"),
            rx.cond(
                empty,
                rx.center(rx.text(empty_text, size="2", color_scheme="gray"), height="260px", width="100%"),
                rx.plotly.basic(
                    data=figure,
                    use_resize_handler=True,
                    width="100%",
                    height="260px",
                    config={"displayModeBar": False, "responsive": True},
                    id=chart_id,
                ),
            ),
            width="100%",
            spacing="2",
        ),
        width="100%",
        min_width="0",
        class_name="chart-card",
    )
