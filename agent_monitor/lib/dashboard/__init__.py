"""The static agent health dashboard: read the warehouse for a window, render one HTML page."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from agent_monitor.lib.dashboard.agent_page import render_agent_page, rule_series
from agent_monitor.lib.dashboard.data import DashboardData, load_dashboard_data
from agent_monitor.lib.dashboard.history import load_history
from agent_monitor.lib.dashboard.paths import agent_file, trace_file
from agent_monitor.lib.dashboard.render import (
    COLUMN_TITLES,
    CSS,
    STATUS_COLOURS,
    render_dashboard,
    write_page,
)
from agent_monitor.lib.dashboard.traces import linked_trace_ids, render_trace_page, session_findings, trace_events

__all__ = [
    "STATUS_COLOURS",
    "DashboardData",
    "build_dashboard",
    "load_dashboard_data",
    "render_dashboard",
    "write_page",
]


def build_dashboard(
    engine: Engine,
    path: Path,
    window_hours: int,
    generated_at: datetime,
    thresholds: Mapping[str, float] | None = None,
    end_hour: datetime | None = None,
) -> DashboardData:
    """Read the warehouse, write the page to `path` (with its agent and trace pages beside
    it), and return what was drawn. The trend window ends at `end_hour`, by default at the
    last hour with data (not at the newest hour built, which may be empty)."""
    with engine.connect() as connection:
        history = load_history(connection)
        end_hour = end_hour or (history.hours[-1] if history.hours else None)
        data = load_dashboard_data(connection, window_hours, end_hour)
        write_page(path, render_dashboard(data, generated_at, thresholds, history=history))
        index = "../" + path.name
        for agent in history.agents:
            series = rule_series(connection, agent, history.hours)
            write_page(path.parent / agent_file(agent),
                       render_agent_page(agent, history, series, COLUMN_TITLES, CSS, index))
        for trace_id in linked_trace_ids(connection):
            events = trace_events(connection, trace_id)
            findings = session_findings(connection, sorted({e["session_id"] for e in events
                                                            if e["session_id"]}))
            write_page(path.parent / trace_file(trace_id),
                       render_trace_page(trace_id, events, findings, CSS, index))
    return data
