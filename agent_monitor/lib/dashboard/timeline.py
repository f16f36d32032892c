"""The status timeline: one row per agent, one cell per hour coloured by overall status, and
under each row a lane with the agent's alert episodes (fired ▲, repeated •, resolved ✓;
inhibited and silenced episodes drawn pale)."""

from __future__ import annotations

import html
from collections.abc import Mapping, Sequence
from datetime import datetime

from agent_monitor.lib.dashboard.history import Episode, History, hour_of

# The grid's frame: a colour used nowhere else, so a screenshot can find the grid.
FRAME_COLOUR = "#0b3d91"
EPISODE_COLOURS = {"critical": "#6d1b7b", "warning": "#8d6e00"}
PALE_EPISODE = "#c9c3d6"  # inhibited or silenced: recorded, not sent
LABEL_WIDTH = 190
ROW_HEIGHT = 16
LANE_HEIGHT = 12
AXIS_HEIGHT = 22


def cell_width(n_hours: int) -> int:
    return max(3, min(14, 1080 // max(1, n_hours)))


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def timeline_svg(history: History, colours: Mapping[str, str], agent_links: Mapping[str, str]) -> str:
    """An <svg> of the whole range: status cells (data-hour, data-status) and episode bars."""
    hours, agents = history.hours, history.agents
    width = cell_width(len(hours))
    index = {hour: i for i, hour in enumerate(hours)}
    band = ROW_HEIGHT + LANE_HEIGHT
    grid_w, grid_h = width * len(hours), band * len(agents)
    total_w, total_h = LABEL_WIDTH + grid_w + 12, grid_h + AXIS_HEIGHT + 4
    parts = [
        f'<svg class="timeline" data-first-hour="{hours[0]:%Y-%m-%dT%H:00}" data-hours="{len(hours)}" '
        f'data-cell-width="{width}" data-band-height="{band}" data-row-height="{ROW_HEIGHT}" '
        f'width="{total_w}" height="{total_h}" viewBox="0 0 {total_w} {total_h}" '
        'xmlns="http://www.w3.org/2000/svg" role="img" aria-label="status timeline">'
    ]
    for row, agent in enumerate(agents):
        y = row * band
        link = agent_links.get(agent)
        label = (f'<text class="tl-agent" x="{LABEL_WIDTH - 8}" y="{y + ROW_HEIGHT - 4}" '
                 f'text-anchor="end">{_e(agent)}</text>')
        parts.append(f'<a href="{_e(link)}">{label}</a>' if link else label)
        by_hour = history.statuses.get(agent, {})
        for hour in hours:
            status = by_hour.get(hour, "no_data")
            parts.append(
                f'<rect class="tl-cell" data-agent="{_e(agent)}" data-hour="{hour:%Y-%m-%dT%H:00}" '
                f'data-status="{status}" x="{LABEL_WIDTH + index[hour] * width}" y="{y}" '
                f'width="{width}" height="{ROW_HEIGHT}" fill="{colours[status]}" shape-rendering="crispEdges">'
                f"<title>{_e(agent)} {hour:%Y-%m-%d %H:00} UTC: {status.replace('_', ' ')}</title></rect>"
            )
        for episode in (e for e in history.episodes if e.agent_id == agent):
            parts.append(_episode_bar(episode, hours, index, width, y + ROW_HEIGHT + 2))
    parts.append(
        # On half pixels and crisp, so that it is one exact colour in a screenshot.
        f'<rect class="tl-frame" x="{LABEL_WIDTH - 0.5}" y="0.5" width="{grid_w}" height="{grid_h - 1}" '
        f'fill="none" stroke="{FRAME_COLOUR}" stroke-width="1" shape-rendering="crispEdges"/>'
    )
    parts.extend(_axis(hours, width, grid_h))
    parts.append("</svg>")
    return "".join(parts)


def _column(moment: datetime, hours: Sequence[datetime], index: Mapping[datetime, int]) -> int:
    """The column of a moment: its hour's, else the nearest shown hour before it."""
    hour = hour_of(moment)
    if hour in index:
        return index[hour]
    before = [i for h, i in index.items() if h <= hour]
    return max(before) if before else 0


def _episode_bar(episode: Episode, hours: Sequence[datetime], index: Mapping[datetime, int],
                 width: int, y: float) -> str:
    start = _column(episode.first_seen, hours, index)
    end = (_column(episode.resolved_at, hours, index) if episode.resolved_at
           else len(hours) - 1)
    pale = bool(episode.inhibited_by or episode.silenced_by) and not episode.notified
    colour = PALE_EPISODE if pale else EPISODE_COLOURS.get(episode.severity, EPISODE_COLOURS["warning"])
    x0, x1 = LABEL_WIDTH + start * width, LABEL_WIDTH + (end + 1) * width
    note = []
    if episode.inhibited_by:
        note.append(f"inhibited by {episode.inhibited_by}")
    if episode.silenced_by:
        note.append(f"silenced ({episode.silenced_by})")
    if episode.repeats:
        note.append(f"repeated {episode.repeats}×")
    ended = f"resolved {episode.resolved_at:%m-%d %H:%M}" if episode.resolved_at else "firing"
    tip = (f"{episode.label} ({episode.severity}): fired {episode.first_seen:%m-%d %H:%M}, {ended}"
           + (f"; {'; '.join(note)}" if note else ""))
    glyphs = [f'<text class="tl-mark" x="{x0}" y="{y + LANE_HEIGHT - 3}" fill="{colour}">▲</text>']
    if episode.state == "resolved":
        glyphs.append(f'<text class="tl-mark" x="{x1}" y="{y + LANE_HEIGHT - 3}" fill="{colour}">✓</text>')
    return (
        f'<g class="tl-episode" data-agent="{_e(episode.agent_id)}" data-rule="{_e(episode.rule)}" '
        f'data-marks="{" ".join(episode.marks())}" data-first-hour="{hour_of(episode.first_seen):%Y-%m-%dT%H:00}">'
        f"<title>{_e(tip)}</title>"
        f'<rect x="{x0}" y="{y + 3}" width="{max(2, x1 - x0)}" height="4" fill="{colour}"/>'
        f"{''.join(glyphs)}</g>"
    )


def _axis(hours: Sequence[datetime], width: int, top: int) -> list[str]:
    """Date labels under the grid: at midnight, or every 6 h when the range is short."""
    step = 6 if len(hours) <= 96 else 24
    parts = []
    last_x = -100
    for i, hour in enumerate(hours):
        if hour.hour % step:
            continue
        x = LABEL_WIDTH + i * width
        if x - last_x < 60:
            continue
        last_x = x
        text = f"{hour:%m-%d}" if hour.hour == 0 else f"{hour:%H}:00"
        parts.append(f'<line x1="{x}" y1="{top}" x2="{x}" y2="{top + 4}" stroke="#5f6368"/>'
                     f'<text class="tick" x="{x}" y="{top + 15}">{text}</text>')
    return parts
