"""The static agent health dashboard: read the warehouse for a window, render one HTML page."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine

from agent_monitor.lib.dashboard.data import DashboardData, load_dashboard_data
from agent_monitor.lib.dashboard.render import STATUS_COLOURS, render_dashboard, write_page

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
    """Read the window, write the page to `path`, and return what was drawn."""
    with engine.connect() as connection:
        data = load_dashboard_data(connection, window_hours, end_hour)
    write_page(path, render_dashboard(data, generated_at, thresholds))
    return data
