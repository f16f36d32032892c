"""Inline SVG line charts: one path per agent over the window's hours, with a threshold line."""

from __future__ import annotations

import html
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime

# Agent line colours: chosen to stay clear of the four status colours of the status table.
PALETTE: tuple[str, ...] = (
    "#1a73e8", "#9334e6", "#12b5cb", "#795548", "#e52592",
    "#3f51b5", "#5f6368", "#827717", "#00838f", "#6a1b9a",
)
THRESHOLD_COLOUR = "#a50e0e"


def agent_colours(agents: Sequence[str]) -> dict[str, str]:
    """A stable colour per agent, in the given order (the palette repeats past ten agents)."""
    return {agent: PALETTE[i % len(PALETTE)] for i, agent in enumerate(agents)}


@dataclass(frozen=True)
class ChartSpec:
    """What one chart draws: a series name, its title and optional threshold and lower bound."""

    series: str
    title: str
    threshold: float | None = None
    threshold_label: str = ""
    y_min: float | None = None
    decimals: int = 2


@dataclass(frozen=True)
class Frame:
    """The plot area inside the SVG and the value range it maps."""

    width: int = 660
    height: int = 230
    left: int = 56
    right: int = 12
    top: int = 28
    bottom: int = 34
    low: float = 0.0
    high: float = 1.0

    def x(self, index: int, count: int) -> float:
        span = self.width - self.left - self.right
        return self.left + (span / 2 if count < 2 else span * index / (count - 1))

    def y(self, value: float) -> float:
        span = self.height - self.top - self.bottom
        return self.top + span * (self.high - value) / (self.high - self.low)


def value_range(
    values: Sequence[float], threshold: float | None = None, y_min: float | None = None
) -> tuple[float, float]:
    """Low and high of the axis: the data and the threshold, padded by 10 %."""
    points = [v for v in values if math.isfinite(v)]
    if threshold is not None:
        points.append(threshold)
    if y_min is not None:
        points.append(y_min)
    if not points:
        return (0.0, 1.0)
    low, high = min(points), max(points)
    pad = (high - low) * 0.1 if high > low else max(abs(high) * 0.1, 0.05)
    low = low - pad if y_min is None else max(y_min, low - pad)
    return (low, high + pad)


def segments(values: Sequence[float | None]) -> list[list[tuple[int, float]]]:
    """Runs of consecutive hours with a value: a missing hour breaks the line."""
    runs: list[list[tuple[int, float]]] = []
    current: list[tuple[int, float]] = []
    for index, value in enumerate(values):
        if value is None or not math.isfinite(value):
            if current:
                runs.append(current)
            current = []
        else:
            current.append((index, value))
    if current:
        runs.append(current)
    return runs


def line_chart(
    spec: ChartSpec,
    hours: Sequence[datetime],
    series: Mapping[str, Sequence[float | None]],
    colours: Mapping[str, str],
) -> str:
    """An <svg> with one <path> per agent that has data (data-points = its number of values)."""
    every = [v for values in series.values() for v in values if v is not None]
    low, high = value_range(every, spec.threshold, spec.y_min)
    frame = Frame(low=low, high=high)
    title = html.escape(spec.title)
    parts = [
        f'<svg class="chart" data-chart="{html.escape(spec.series)}" width="{frame.width}" '
        f'height="{frame.height}" viewBox="0 0 {frame.width} {frame.height}" role="img" '
        f'aria-label="{title}" xmlns="http://www.w3.org/2000/svg">',
        f'<text class="chart-title" x="{frame.left}" y="18">{title}</text>',
        *_axes(frame, hours, spec.decimals),
    ]
    if spec.threshold is not None and low <= spec.threshold <= high:
        y = frame.y(spec.threshold)
        parts.append(
            f'<line class="threshold" data-threshold="{spec.threshold:g}" x1="{frame.left}" '
            f'y1="{y:.1f}" x2="{frame.width - frame.right}" y2="{y:.1f}" '
            f'stroke="{THRESHOLD_COLOUR}" stroke-width="1.5" stroke-dasharray="6 4"/>'
            f'<text class="threshold-label" x="{frame.width - frame.right}" y="{y - 4:.1f}" '
            f'text-anchor="end" fill="{THRESHOLD_COLOUR}">'
            f"{html.escape(spec.threshold_label or f'threshold {spec.threshold:g}')}</text>"
        )
    for agent, values in series.items():
        parts.extend(_agent_path(frame, agent, values, colours.get(agent, PALETTE[0])))
    parts.append("</svg>")
    return "\n".join(parts)


def _agent_path(
    frame: Frame, agent: str, values: Sequence[float | None], colour: str
) -> list[str]:
    runs = segments(values)
    count = sum(len(run) for run in runs)
    if not count:
        return []
    commands = []
    for run in runs:
        points = [f"{frame.x(i, len(values)):.1f},{frame.y(v):.1f}" for i, v in run]
        commands.append("M" + " L".join(points))
    name = html.escape(agent, quote=True)
    out = [
        f'<path class="series" data-agent="{name}" data-points="{count}" d="{" ".join(commands)}" '
        f'fill="none" stroke="{colour}" stroke-width="2" stroke-linejoin="round">'
        f"<title>{name}</title></path>"
    ]
    # A lone hour between gaps is a dot, since a one-point line draws nothing.
    for run in runs:
        if len(run) == 1:
            i, v = run[0]
            out.append(
                f'<circle class="point" data-agent="{name}" cx="{frame.x(i, len(values)):.1f}" '
                f'cy="{frame.y(v):.1f}" r="2.5" fill="{colour}"/>'
            )
    return out


def _axes(frame: Frame, hours: Sequence[datetime], decimals: int) -> list[str]:
    right, bottom = frame.width - frame.right, frame.height - frame.bottom
    parts = [
        f'<line class="axis" x1="{frame.left}" y1="{bottom}" x2="{right}" y2="{bottom}" '
        'stroke="#dadce0"/>'
    ]
    for step in range(5):
        value = frame.low + (frame.high - frame.low) * step / 4
        y = frame.y(value)
        parts.append(
            f'<line class="grid" x1="{frame.left}" y1="{y:.1f}" x2="{right}" y2="{y:.1f}" '
            f'stroke="#f1f3f4"/><text class="tick" x="{frame.left - 6}" y="{y + 4:.1f}" '
            f'text-anchor="end">{value:.{decimals}f}</text>'
        )
    if hours:
        picks = sorted({0, len(hours) // 2, len(hours) - 1})
        for index in picks:
            x = frame.x(index, len(hours))
            anchor = "start" if index == 0 and len(hours) > 1 else "end" if index else "middle"
            if index == len(hours) // 2 and 0 < index < len(hours) - 1:
                anchor = "middle"
            parts.append(
                f'<text class="tick" x="{x:.1f}" y="{bottom + 18}" text-anchor="{anchor}">'
                f"{hours[index]:%m-%d %H:00}</text>"
            )
    return parts
