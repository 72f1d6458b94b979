"""The campaign page's Plotly charts: figures built from service reads, and the chart frame.

Figures are plain `plotly.graph_objects` built on the server from numbers already read (minute
buckets, pauses and resumes, counters, link counts); `chart` shows one with Plotly's basic bundle (bar and scatter
only, a fraction of the full library's size, so the page loads fast).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import plotly.graph_objects as go
import reflex as rx

from campaign_dashboard.services.stats import timeline

MARGIN = {"l": 48, "r": 16, "t": 16, "b": 40}
COLORS = {"opened": "#6e56cf", "clicked": "#12a594", "delivered": "#3e63dd", "sent": "#8b8d98", "failed": "#e5484d"}
FUNNEL_STEPS = ("Recipients", "Sent", "Delivered", "Opened", "Clicked")
MARKS = {"pause": ("#f76b15", "Paused"), "resume": ("#30a46c", "Resumed")}
BAR_LIMIT = 30  # up to this many buckets as bars, more as lines
MAX_TICKS = 8
MINUTES, SECONDS = "%Y-%m-%d %H:%M", "%Y-%m-%d %H:%M:%S"


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


def activity_figure(
    series: dict[str, list[tuple[datetime, int]]],
    *,
    timezone: str = "UTC",
    marks: Sequence[tuple[datetime, str]] = (),
) -> go.Figure:
    """Events per bucket over time, one trace per metric, in the viewer's time zone.

    The bucket fits the campaign's length (`stats.timeline`); the ticks are chosen here, at
    bucket starts, so Plotly never zooms a one-minute campaign into milliseconds. `marks`
    (pauses and resumes) are dotted vertical lines.
    """
    zone = _zone(timezone)
    line = timeline(series, also=[at for at, _ in marks])
    x = [_local(start, zone) for start in line.starts]
    as_bars = len(x) <= BAR_LIMIT
    fig = go.Figure()
    # Each bucket spans its period (ticks at its start, the bar in its middle), so a pause is
    # marked inside the bucket it happened in.
    period = {"xperiod": line.bucket.size.total_seconds() * 1000, "xperiodalignment": "middle"}
    if x:
        period["xperiod0"] = x[0]
    for metric, counts in line.counts.items():
        style = {"name": metric.capitalize(), "x": x, "y": counts, **period}
        if as_bars:
            fig.add_trace(go.Bar(**style, marker={"color": COLORS.get(metric)}))
        else:
            fig.add_trace(go.Scatter(**style, mode="lines", line={"color": COLORS.get(metric)}))
    xaxis: dict = {"type": "date", "hoverformat": "%b %d %H:%M"}
    if line.starts:
        end = line.starts[-1] + line.bucket.size
        xaxis["range"] = [_local(line.starts[0], zone, SECONDS), _local(end, zone, SECONDS)]
        xaxis["tickvals"], xaxis["ticktext"] = _ticks(line.starts, line.bucket.size, zone)
    shapes, notes = [], []
    for at, action in marks:
        color, label = MARKS.get(action, ("#8b8d98", action))
        when = _local(at, zone, SECONDS)
        shapes.append(
            {"type": "line", "xref": "x", "yref": "paper", "x0": when, "x1": when, "y0": 0, "y1": 1}
            | {"line": {"color": color, "dash": "dot", "width": 2}}
        )
        notes.append(
            {"x": when, "xref": "x", "y": 1, "yref": "paper", "text": label, "showarrow": False}
            | {"xanchor": "left", "yanchor": "top", "font": {"color": color, "size": 11}}
        )
    return _layout(
        fig,
        barmode="group",
        yaxis={"title": line.bucket.label, "rangemode": "tozero"},
        xaxis=xaxis,
        shapes=shapes,
        annotations=notes,
    )


def _zone(timezone: str) -> ZoneInfo:
    try:
        return ZoneInfo(timezone)
    except (KeyError, ValueError):
        return ZoneInfo("UTC")


def _local(moment: datetime, zone: ZoneInfo, form: str = MINUTES) -> str:
    return moment.astimezone(zone).strftime(form)


def _ticks(starts: list[datetime], size: timedelta, zone: ZoneInfo) -> tuple[list[str], list[str]]:
    """At most `MAX_TICKS` bucket starts, labelled by the hour ("14:05"), with the date where
    the day changes (or only the date for buckets of a day or more)."""
    step = -(-len(starts) // MAX_TICKS)
    chosen = starts[::step]
    values, labels, last_day = [], [], None
    for start in chosen:
        local = start.astimezone(zone)
        values.append(local.strftime(MINUTES))
        if size >= timedelta(days=1):
            labels.append(local.strftime("%b %d"))
        elif local.date() != last_day:
            labels.append(local.strftime("%b %d %H:%M"))
        else:
            labels.append(local.strftime("%H:%M"))
        last_day = local.date()
    return values, labels


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
