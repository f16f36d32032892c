"""The dashboard page: one self-contained HTML file (inline CSS and SVG, no script, no fetch)."""

from __future__ import annotations

import html
import os
import tempfile
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import Any

from agent_monitor.lib.dashboard.agent_page import episode_table
from agent_monitor.lib.dashboard.charts import ChartSpec, agent_colours, line_chart
from agent_monitor.lib.dashboard.data import (
    METRIC_RULES,
    P1_SERIES,
    SIGNAL_RULES,
    STATUSES,
    DashboardData,
    RuleCell,
)
from agent_monitor.lib.dashboard.history import History
from agent_monitor.lib.dashboard.paths import agent_file
from agent_monitor.lib.dashboard.timeline import timeline_svg

STATUS_COLOURS: dict[str, str] = {
    "ok": "#1e8e3e",
    "warning": "#f9ab00",
    "critical": "#d93025",
    "no_data": "#9aa0a6",
}
COLUMN_TITLES: dict[str, str] = {
    "m1_confidence_divergence": "M1 confidence divergence",
    "m2_context_coherence": "M2 context coherence",
    "m3_decision_disagreement": "M3 decision disagreement",
    "m4_hallucination_rate": "M4 hallucination rate",
    "m5_workflow_completion": "M5 workflow completion",
    "m6_recovery_time": "M6 recovery time",
    "m7_escalation_rate": "M7 escalation rate",
    "p1_confidence_drift": "P1 drift velocity",
    "p2_entropy_shift": "P2 entropy shift (z)",
    "p3_turn_acceleration": "P3 turn acceleration",
}
# The catalogue defaults (docs/alerting.md); the asset passes the configured ones.
DEFAULT_THRESHOLDS: dict[str, float] = {
    "p1_confidence_drift": -0.05,
    "m7_escalation_rate": 0.08,
    "m5_workflow_completion": 0.90,
}

CSS = """
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;margin:16px 24px;
color:#202124;background:#fff}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:22px 0 8px}
.meta{color:#5f6368;font-size:13px;margin-bottom:10px}
table{border-collapse:separate;border-spacing:3px;font-size:13px}
th{text-align:left;font-weight:600;padding:4px 6px;vertical-align:bottom;max-width:92px}
td{padding:8px 6px}td.agent{font-weight:600;white-space:nowrap;max-width:260px;
overflow:hidden;text-overflow:ellipsis}
td.status{width:84px;text-align:center;border-radius:3px;font-variant-numeric:tabular-nums}
td.hour{color:#5f6368;white-space:nowrap}
.summary span{display:inline-block;margin-right:14px}
.swatch{display:inline-block;width:11px;height:11px;border-radius:2px;margin-right:4px;
vertical-align:-1px}
.charts{display:flex;flex-wrap:wrap;gap:12px}
svg.chart{border:1px solid #e8eaed;border-radius:4px}
svg .chart-title{font-size:13px;font-weight:600;fill:#202124}
svg .tick,svg .threshold-label{font-size:10px;fill:#5f6368}
.legend span{display:inline-block;margin-right:14px;font-size:12px}
table.alerts td{border-bottom:1px solid #e8eaed;padding:4px 8px}
svg.timeline text{font-size:11px;fill:#202124}svg.timeline .tl-mark{font-size:10px}
a{color:#1a4fa0}td.agent a{color:inherit;text-decoration:none}
""" + "".join(
    f".status-{s}{{background:{c};color:{'#202124' if s == 'warning' else '#fff'}}}\n"
    for s, c in STATUS_COLOURS.items()
)


def e(value: Any) -> str:
    """Escape any value for HTML text and attributes."""
    return html.escape("" if value is None else str(value), quote=True)


def format_value(rule: str, value: float | None) -> str:
    """A cell's value as shown: seconds for M6, signed slope for P1, else 3 decimals."""
    if value is None:
        return "—"
    if rule == "m6_recovery_time":
        return f"{value:,.0f} s"
    if rule == "p1_confidence_drift":
        return f"{value:+.3f}/h"
    return f"{value:.3f}"


def status_cell(agent_id: str, cell: RuleCell, text: str | None = None) -> str:
    """A <td> carrying the status as a class and a data attribute, the reason as its tooltip."""
    tip = cell.reason or cell.status.replace("_", " ")
    if cell.scope:
        tip = f"{cell.scope}: {tip}"
    return (
        f'<td class="status status-{e(cell.status)}" data-status="{e(cell.status)}" '
        f'data-rule="{e(cell.rule)}" data-agent="{e(agent_id)}" title="{e(tip)}">'
        f"{e(format_value(cell.rule, cell.value) if text is None else text)}</td>"
    )


def status_table(data: DashboardData) -> str:
    rules = (*METRIC_RULES, *SIGNAL_RULES)
    head = "".join(f"<th>{e(COLUMN_TITLES[r])}</th>" for r in rules)
    order = sorted(data.agents, key=lambda a: (STATUSES.index(data.health[a].overall), a))
    rows = []
    for agent in order:
        health = data.health[agent]
        overall = RuleCell(rule="overall", status=health.overall)
        cells = "".join(status_cell(agent, health.cell(r)) for r in rules)
        as_of = f"{health.hour:%Y-%m-%d %H:00}" if health.hour else "—"
        rows.append(
            f'<tr data-agent="{e(agent)}"><td class="agent" title="{e(agent)}">'
            f'<a href="{e(agent_file(agent))}">{e(agent)}</a></td>'
            f"{status_cell(agent, overall, health.overall.replace('_', ' '))}"
            f'{cells}<td class="hour">{e(as_of)}</td></tr>'
        )
    return (
        '<table class="health"><thead><tr><th>Agent</th><th>Overall</th>'
        f"{head}<th>As of (UTC)</th></tr></thead><tbody>{''.join(rows)}</tbody></table>"
    )


def summary(data: DashboardData) -> str:
    counts = data.status_counts()
    spans = "".join(
        f'<span data-count-status="{s}"><i class="swatch status-{s}"></i>'
        f"{e(s.replace('_', ' '))}: {counts[s]}</span>"
        for s in STATUSES
    )
    return f'<div class="summary">Agent × metric (M1–M7) cells — {spans}</div>'


def charts(data: DashboardData, thresholds: Mapping[str, float]) -> str:
    p1, m7, m5 = (thresholds.get(r, DEFAULT_THRESHOLDS[r]) for r in DEFAULT_THRESHOLDS)
    specs = (
        ChartSpec(P1_SERIES, "P1 confidence drift velocity (per hour)", p1, f"alert below {p1:g}/h",
                  decimals=3),
        ChartSpec("mean_confidence", "Hourly mean confidence"),
        ChartSpec("m7_escalation_rate", "M7 escalation rate (hourly)", m7, f"warn above {m7:g}",
                  y_min=0.0),
        ChartSpec("m5_completion_rate", "M5 workflow completion (hourly)", m5,
                  f"alert below {m5:g}", y_min=0.0),
    )
    colours = agent_colours(data.agents)
    legend = "".join(
        f'<span><i class="swatch" style="background:{c}"></i>{e(a)}</span>'
        for a, c in colours.items()
    )
    drawn = "".join(
        line_chart(spec, data.hours, data.series.get(spec.series, {}), colours) for spec in specs
    )
    return f'<div class="legend">{legend}</div><div class="charts">{drawn}</div>'


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    if isinstance(value, datetime):
        return f"{value:%Y-%m-%d %H:%M}"
    return str(value)


def alerts_table(alerts: list[dict[str, Any]] | None) -> str:
    if alerts is None:
        return ""
    if not alerts:
        return "<h2>Firing alerts</h2><p class=\"meta\">No alert is firing.</p>"
    columns = list(alerts[0])
    head = "".join(f"<th>{e(c)}</th>" for c in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{e(_cell_text(row[c]))}</td>" for c in columns) + "</tr>"
        for row in alerts
    )
    return (f'<h2>Firing alerts</h2><table class="alerts"><thead><tr>{head}</tr></thead>'
            f"<tbody>{body}</tbody></table>")


def story(history: History, now: datetime) -> str:
    """Firing now, the status timeline with the alert episodes, and the recent incidents."""
    parts = []
    if history.has_alerts:
        firing = history.firing()
        parts.append(episode_table(firing, f"Firing now ({len(firing)})", now) if firing else
                     '<h2>Firing now (0)</h2><p class="meta" data-firing="0">No alert is firing.</p>')
    if history.hours:
        links = {agent: agent_file(agent) for agent in history.agents}
        parts.append(
            f"<h2>Status timeline, {history.hours[0]:%Y-%m-%d %H:00} – "
            f"{history.hours[-1]:%Y-%m-%d %H:00} UTC</h2>"
            '<div class="meta">Overall status per agent and hour over all the data; under each '
            "agent its alert episodes: ▲ fired, ✓ resolved, pale = inhibited or silenced (not "
            "sent); hover for details, click an agent for its metrics.</div>"
            f"{timeline_svg(history, STATUS_COLOURS, links)}"
        )
    if history.has_alerts:
        parts.append(episode_table(history.incidents(), "Recent incidents", now))
    return "".join(parts)


def render_dashboard(
    data: DashboardData,
    generated_at: datetime,
    thresholds: Mapping[str, float] | None = None,
    title: str = "Agent health",
    history: History | None = None,
) -> str:
    """The whole page as one HTML string."""
    if data.hours or (history is not None and history.hours):
        told = story(history, generated_at) if history is not None else ""
        window = (f"{data.hours[0]:%Y-%m-%d %H:00} – {data.hours[-1]:%Y-%m-%d %H:00} UTC "
                  f"({len(data.hours)} h), {len(data.agents)} agents") if data.hours else ""
        latest = (f"<h2>Latest status per rule</h2>{summary(data)}{status_table(data)}"
                  f"<h2>Trends, {e(window)}</h2>{charts(data, thresholds or {})}") if data.hours else ""
        body = told + latest + ("" if history is not None else alerts_table(data.alerts))
        if history is not None and history.hours:
            window = (f"{history.hours[0]:%Y-%m-%d %H:00} – {history.hours[-1]:%Y-%m-%d %H:00} UTC"
                      f" ({len(history.hours)} h of data)")
    else:
        window = "no data yet"
        body = "<p>No hourly table has rows yet: build agent_metrics_hourly and agent_health.</p>"
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(title)}</title><style>{CSS}</style></head><body>"
        f'<h1>{e(title)}</h1><div class="meta">Window: {e(window)} · generated '
        f"{generated_at:%Y-%m-%d %H:%M} UTC · hover a cell for its reason</div>"
        f"{body}</body></html>\n"
    )


def write_page(path: Path, page: str) -> None:
    """Write the page atomically, so a browser never sees half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".index-", suffix=".html")
    with os.fdopen(handle, "w", encoding="utf-8") as stream:
        stream.write(page)
    os.chmod(temporary, 0o644)  # mkstemp makes it private; the page is for anyone who may read it
    os.replace(temporary, path)
