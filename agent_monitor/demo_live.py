"""The demo on generated logs, played live: files land in 5-minute slices on a simulated clock
and the production sensors tick at half past every hour (the hour still filling) and after
each later review batch, paging a Slack stand-in as they go. Then the tables, the alerts
against the injected incidents, the digest and the dashboard."""

from __future__ import annotations

import logging
import os
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from pathlib import Path

import dagster as dg

from agent_monitor.build import build_unpartitioned, build_window
from agent_monitor.defs.resources import Warehouse
from agent_monitor.demo import (
    DemoPlan,
    hand_over_sensor_cursor,
    print_latest_metrics,
    print_table_counts,
    print_where_to_look,
)
from agent_monitor.demo_alerts import report_alerts
from agent_monitor.lib.config import CONFIG_ENV_VAR, load_config
from agent_monitor.lib.replay import REPLAY_REVIEW_RATE
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor.replay import ReplaySettings, run_replay

# A tick every hour, at :30: each hour is judged while it fills, and again once it has ended.
TICK_MINUTES = 60
HOUR = timedelta(hours=1)
CHECKED_HOURS = timedelta(hours=24)


def run_live_demo(plan: DemoPlan) -> None:
    base = os.environ.get(CONFIG_ENV_VAR)
    settings = ReplaySettings(
        folder=plan.home, hours=plan.hours, seed=plan.seed, start=plan.start.replace(tzinfo=None),
        tick_minutes=TICK_MINUTES, compare=False, review_base_rate=REPLAY_REVIEW_RATE,
        database_url=plan.database_url, links={}, logs_name=plan.log_folder.name,
        base_config=Path(base) if base else None,
    )
    print(f"0.-2. generate {plan.hours} h of logs from {plan.start:%Y-%m-%d %H:00} UTC (seed {plan.seed}) and "
          f"play them live: files land in 5-minute slices; at :30 of every hour (and after each review "
          f"batch) the landing, raw-events, automation and alert sensors tick; pages as they were sent:")
    with dg.DagsterInstance.get() as instance, _sensor_logs_quiet():
        result = run_replay(settings, log=lambda line: print("   " + line), instance=instance)
        for incident in result.truth.incidents:
            print(f"   injected {incident.kind} on {', '.join(incident.agents)}: "
                  f"{incident.start:%Y-%m-%d %H:%M} → {incident.end:%Y-%m-%d %H:%M} UTC")
        print(f"   {result.ticks} ticks, {result.runs} runs in {result.seconds:.0f} s; "
              f"ground truth: {plan.log_folder / 'ground_truth.json'}")
        warehouse = Warehouse(url=plan.database_url)
        # The asset checks, once, over the traffic's last day (with every tick they would
        # double the demo's time): one run that rebuilds those hours and checks them.
        last = (plan.start + timedelta(hours=plan.hours - 1)).replace(tzinfo=None)
        print(f"   asset checks: the hourly tables of {last - CHECKED_HOURS + HOUR:%m-%d %H:00} … {last:%H:00} "
              "rebuilt once more with their checks")
        build_window(load_defs(), instance, last - CHECKED_HOURS + HOUR, last, warehouse=warehouse,
                     quiet=True, checks=True)
        # The dashboard, once the alerts are in: it shows their episodes and writes the trace
        # pages the messages link to.
        build_unpartitioned(load_defs(), instance, warehouse=warehouse, quiet=True)
    hand_over_sensor_cursor(result.update_cursor)
    engine = open_warehouse(plan.database_url)
    print("\n3. tables")
    print_table_counts(engine)
    print_latest_metrics(engine)
    last_tick = result.last_tick or plan.start + timedelta(hours=plan.hours)
    print(f"\n4. alerts: {len(result.messages)} Slack messages while the logs arrived")
    report_alerts(engine, load_config(), result.messages, last_tick,
                  plan.log_folder / "ground_truth.json", output_folder=plan.home)
    print_where_to_look(plan)
    engine.dispose()


@contextmanager
def _sensor_logs_quiet() -> Iterator[None]:
    """The sensors' own log lines would drown the pages the demo prints."""
    logger = logging.getLogger("dagster")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def load_defs() -> dg.Definitions:
    from agent_monitor.definitions import defs

    return defs
