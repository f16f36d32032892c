"""The demo's steps: logs in, tables built, a look at what came out."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import dagster as dg
from sqlalchemy import Engine, func, select

from agent_monitor.build import build_unpartitioned, build_window, report_changed_hours
from agent_monitor.defs.resources import Warehouse
from agent_monitor.lib.config import CONFIG_ENV_VAR
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
        cursor = report_changed_hours(instance, warehouse)
        # Logs months apart (tau-bench's clock, tau2's dates) build as separate spans of hours.
        for first, last in _build_spans(_event_spans(engine), _current_hour()):
            print(f"\n2. build every hourly table for {first:%Y-%m-%d %H:00} … {last:%Y-%m-%d %H:00} UTC (one run)")
            build_window(defs, instance, first, last, warehouse=warehouse, quiet=True, checks=True)
        build_unpartitioned(defs, instance, warehouse=warehouse, quiet=True)
    hand_over_sensor_cursor(cursor)
    print("\n3. tables")
    print_table_counts(engine)
    print_latest_metrics(engine)
    from agent_monitor.demo_alerts import run_alert_demo

    run_alert_demo(plan.database_url, None, output_folder=plan.home)
    # Once more after the alerts: the page shows the episodes and writes the trace pages
    # that the messages link to.
    with dg.DagsterInstance.get() as instance:
        build_unpartitioned(defs, instance, warehouse=warehouse, quiet=True)
    print_where_to_look(plan)
    engine.dispose()
    return problems


def print_where_to_look(plan: DemoPlan) -> None:
    print(
        "\nWhere to look:\n"
        "  - the Dagster UI on these results (nothing is left for its sensors to rebuild):\n"
        f"      DAGSTER_HOME={instance_home()} AGENT_MONITOR_DATABASE_URL='{plan.database_url}' "
        f"AGENT_MONITOR_CONFIG={os.environ.get(CONFIG_ENV_VAR, '')} "
        ".venv/bin/dagster dev   (then http://localhost:3000, Assets)\n"
        f"  - the warehouse itself: {plan.database_url}\n"
    )
    _print_dashboard_path()


# The automation rule builds a missing hour among the newest 48 whose inputs have data
# (defs/partitions.py): a span that ends less than this long before now is built on through
# the current hour, so that nothing is left for the automation sensor to do after the demo.
RECENT = timedelta(hours=96)


def _current_hour() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None, minute=0, second=0, microsecond=0)


def _build_spans(spans: list[tuple[datetime, datetime]], now_hour: datetime) -> list[tuple[datetime, datetime]]:
    """The spans to build: the last one through the current hour when it ends recently."""
    if spans and now_hour - spans[-1][1] <= RECENT:
        spans = [*spans[:-1], (spans[-1][0], max(spans[-1][1], now_hour))]
    return spans


def hand_over_sensor_cursor(cursor: str | None) -> None:
    """Give the instance's raw_events_update_sensor the cursor of the demo's own report, so
    that `dagster dev` does not report (and rebuild) every hour again on its first tick."""
    if not cursor:
        return
    workspace = Path(__file__).resolve().parents[1] / "workspace.yaml"
    done = subprocess.run(
        [sys.executable, "-m", "dagster", "sensor", "cursor", "raw_events_update_sensor",
         "--set", cursor, "-w", str(workspace)],
        cwd=workspace.parent, capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        print(f"   could not hand the sensor cursor over: {done.stderr.strip()[-500:]}")


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
