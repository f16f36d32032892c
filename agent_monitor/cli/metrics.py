"""`agent-monitor metrics show`: the latest hourly metric rows as a table."""

from __future__ import annotations

import argparse

from agent_monitor.cli import CommandError
from agent_monitor.lib.rollup.latest import format_table, latest_rows
from agent_monitor.lib.warehouse.connection import WarehouseError
from agent_monitor.lib.warehouse.open import open_warehouse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("metrics", help="show the hourly metric rollups")
    commands = parser.add_subparsers(dest="metrics_command", required=True, metavar="ACTION")
    show = commands.add_parser(
        "show",
        help="print the latest agent_metrics_hourly rows",
        description="Print agent_metrics_hourly for the newest hours ('-' means no data).",
    )
    show.add_argument("--agent", help="only this agent")
    show.add_argument("--hours", type=int, default=6, help="how many hours back (default 6)")
    show.add_argument("--database-url", help="warehouse URL (default: AGENT_MONITOR_DATABASE_URL)")
    show.set_defaults(func=run_show)


def run_show(args: argparse.Namespace) -> int:
    if args.hours < 1:
        raise CommandError("--hours must be at least 1")
    try:
        engine = open_warehouse(args.database_url)
    except WarehouseError as error:
        raise CommandError(str(error)) from error
    try:
        rows = latest_rows(engine, hours=args.hours, agent=args.agent)
    finally:
        engine.dispose()
    if not rows:
        print("no agent_metrics_hourly rows" + (f" for agent {args.agent}" if args.agent else ""))
        return 0
    print(format_table(rows))
    return 0
