"""The demo's steps: logs in, tables built, a look at what came out."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

import dagster as dg
from sqlalchemy import Engine, func, select

from agent_monitor.build import build_unpartitioned, build_window, report_changed_hours
from agent_monitor.defs.resources import Warehouse
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.warehouse.metadata import metadata
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor.lib.warehouse.tables_raw import raw_event_hours, raw_events


@dataclass(frozen=True)
class DemoPlan:
    home: Path
    database_url: str
    hours: int
    seed: int
    start: datetime
    real_paths: list[Path] | None = None

    @property
    def log_folder(self) -> Path:
        return self.home / "demo_logs"


def run_demo(plan: DemoPlan) -> list[str]:
    """Run the demo; returns the problems that make it fail (inputs that gave nothing)."""
    if plan.real_paths is None:
        from agent_monitor.demo_live import run_live_demo

        run_live_demo(plan)
        return []
    from agent_monitor.cli.ingest import accepted_nothing

    engine = open_warehouse(plan.database_url)
    files = _real_files(plan.real_paths)
    print(f"\n1. ingest {len(files)} file(s)")
    problems: list[str] = []
    for path in files:
        result = ingest_path(engine, path)
        print("   " + result.summary())
        if accepted_nothing(result):
            problems.append(f"{path}: nothing accepted ({result.quarantined} quarantined)")
    if not files:
        problems.append("no log files found in " + ", ".join(map(str, plan.real_paths or [])))
    first, last = _event_hours(engine)
    if first is None or last is None:
        print("no events were accepted; nothing to build")
        return problems or ["no events were accepted"]
    from agent_monitor.definitions import defs

    warehouse = Warehouse(url=plan.database_url)
    with dg.DagsterInstance.get() as instance:
        report_changed_hours(instance, warehouse)
        # Logs months apart (tau-bench's clock, tau2's dates) build as separate spans of hours.
        for first, last in _event_spans(engine):
            print(f"\n2. build every hourly table for {first:%Y-%m-%d %H:00} … {last:%Y-%m-%d %H:00} UTC (one run)")
            build_window(defs, instance, first, last, warehouse=warehouse, quiet=True)
        build_unpartitioned(defs, instance, warehouse=warehouse, quiet=True)
    print("\n3. tables")
    print_table_counts(engine)
    print_latest_metrics(engine)
    from agent_monitor.demo_alerts import run_alert_demo

    run_alert_demo(plan.database_url, None, output_folder=plan.home)
    print_where_to_look(plan)
    engine.dispose()
    return problems


def print_where_to_look(plan: DemoPlan) -> None:
    print(
        "\nWhere to look:\n"
        "  - the Dagster UI on these results:\n"
        f"      DAGSTER_HOME={instance_home()} AGENT_MONITOR_DATABASE_URL='{plan.database_url}' "
        ".venv/bin/dagster dev   (then http://localhost:3000, Assets)\n"
        f"  - the warehouse itself: {plan.database_url}\n"
    )
    _print_dashboard_path()


def print_latest_metrics(engine: Engine) -> None:
    from agent_monitor.lib.rollup.latest import format_table, latest_rows

    rows = latest_rows(engine, hours=1)
    if rows:
        print(f"\n   agent_metrics_hourly, newest hour ({rows[0]['hour']:%Y-%m-%d %H:00} UTC; "
              "all hours: agent-monitor metrics show):")
        print("\n".join("   " + line for line in format_table(rows).splitlines()))


def _print_dashboard_path() -> None:
    from agent_monitor.lib.config import load_config

    page = load_config().dashboard.resolved_output_path()
    if page.exists():
        print(f"  - the health dashboard: {page.as_uri()}\n")


def instance_home() -> str:
    import os

    return os.environ.get("DAGSTER_HOME", "")


def _real_files(paths: list[Path]) -> list[Path]:
    from agent_monitor.cli.ingest import expand_paths

    return expand_paths(paths)


def _event_hours(engine: Engine) -> tuple[datetime | None, datetime | None]:
    with engine.connect() as connection:
        first, last = connection.execute(select(func.min(raw_events.c.ts), func.max(raw_events.c.ts))).one()
    if first is None:
        return None, None
    return first.replace(minute=0, second=0, microsecond=0), last.replace(minute=0, second=0, microsecond=0)


def _event_spans(engine: Engine, max_gap: timedelta = timedelta(hours=24)) -> list[tuple[datetime, datetime]]:
    """(first, last) hour of each run of event hours with gaps of at most `max_gap`."""
    with engine.connect() as connection:
        hours = sorted(connection.execute(select(raw_event_hours.c.hour).distinct()).scalars())
    spans: list[tuple[datetime, datetime]] = []
    for hour in hours:
        if spans and hour - spans[-1][1] <= max_gap:
            spans[-1] = (spans[-1][0], hour)
        else:
            spans.append((hour, hour))
    return spans


def print_table_counts(engine: Engine) -> None:
    with engine.connect() as connection:
        for table in metadata.sorted_tables:
            count = connection.execute(select(func.count()).select_from(table)).scalar_one()
            print(f"   {table.name:<30} {count:>10,} rows")
