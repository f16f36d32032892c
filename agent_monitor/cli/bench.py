"""`agent-monitor bench`: ingestion, hourly builds, backfill and sensor ticks against floors."""

from __future__ import annotations

import argparse
import json
import tempfile
from datetime import datetime
from pathlib import Path

from agent_monitor.cli import CommandError


def register(subparsers: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    parser = subparsers.add_parser(
        "bench", help="measure ingest, hourly builds, a backfill and sensor ticks",
        description="Generate events at a chosen scale and time the pipeline against its floors.",
    )
    parser.add_argument("--events", type=int, help="events in the one-hour file (default 1,000,000)")
    parser.add_argument("--backfill-days", type=float, help="days of history to backfill (default 30)")
    parser.add_argument("--events-per-hour", type=int, help="backfill events per hour (default 50,000)")
    parser.add_argument("--backfill-chunk-hours", type=int, help="hours per backfill run (default 24)")
    parser.add_argument("--rebuild-events-per-hour", type=int,
                        help="events per hour in the rebuild-with-history measurement (default 10,000)")
    parser.add_argument("--rebuild-history-hours", help="hours of history before the rebuilt hour (default 0,24,168)")
    parser.add_argument("--sensor-agents", type=int, help="agents in the sensor scenario (default 500)")
    parser.add_argument("--quick", action="store_true", help="a tiny version of everything")
    parser.add_argument("--databases", default="sqlite,postgres", help="comma-separated: sqlite,postgres")
    parser.add_argument("--parts", default="ingest,hour,rebuild,backfill,sensors", help="which measurements")
    parser.add_argument("--postgres-url", help="PostgreSQL server for the postgres runs")
    parser.add_argument("--workdir", default=str(Path(tempfile.gettempdir()) / "agent_monitor_bench"),
                        help="folder for generated event files (default: under the system temp folder)")
    parser.add_argument("--backfill-warehouse",
                        help="URL of a warehouse already loaded for the backfill (with --databases naming "
                             "its one kind): the load is skipped and the warehouse kept")
    parser.add_argument("--config", help="agent_monitor YAML config for the asset builds")
    parser.add_argument("-o", "--output", help="JSON file (default bench_results/<time>.json)")
    parser.set_defaults(func=run)


def _hours_list(value: str | None) -> list[int] | None:
    if value is None:
        return None
    try:
        hours = [int(part) for part in value.split(",") if part.strip()]
    except ValueError:
        raise CommandError(f"--rebuild-history-hours must be comma-separated whole hours, got {value!r}") from None
    if not hours or min(hours) < 0:
        raise CommandError(f"--rebuild-history-hours must be comma-separated whole hours ≥ 0, got {value!r}")
    return hours


def run(args: argparse.Namespace) -> int:
    from agent_monitor.bench.report import format_table
    from agent_monitor.bench.runner import MeasurementError
    from agent_monitor.bench.suite import BenchOptions, run_suite

    kinds = [k.strip() for k in args.databases.split(",") if k.strip()]
    if not kinds or set(kinds) - {"sqlite", "postgres"}:
        raise CommandError(f"--databases must name sqlite and/or postgres, got {args.databases!r}")
    parts = [p.strip() for p in args.parts.split(",") if p.strip()]
    if set(parts) - {"ingest", "hour", "rebuild", "backfill", "sensors"}:
        raise CommandError(f"--parts must be among ingest,hour,rebuild,backfill,sensors, got {args.parts!r}")
    overrides = {
        name: value for name, value in {
            "events": args.events, "backfill_days": args.backfill_days,
            "events_per_hour": args.events_per_hour, "backfill_chunk_hours": args.backfill_chunk_hours,
            "sensor_agents": args.sensor_agents, "postgres_url": args.postgres_url,
            "rebuild_events_per_hour": args.rebuild_events_per_hour,
            "rebuild_history_hours": _hours_list(args.rebuild_history_hours),
        }.items() if value is not None
    }
    if args.backfill_warehouse:
        from agent_monitor.bench.databases import kind_of

        if kinds != [kind_of(args.backfill_warehouse)]:
            raise CommandError(f"--backfill-warehouse is a {kind_of(args.backfill_warehouse)} warehouse: "
                               f"pass --databases {kind_of(args.backfill_warehouse)} with it")
    overrides.update(databases=kinds, parts=parts, workdir=args.workdir, config=args.config,
                     backfill_warehouse=args.backfill_warehouse)
    options = BenchOptions.quick(**overrides) if args.quick else BenchOptions(**overrides)
    try:
        results = run_suite(options)
    except MeasurementError as error:
        raise CommandError(str(error)) from error
    output = Path(args.output or f"bench_results/{datetime.now():%Y%m%dT%H%M%S}.json")
    output.parent.mkdir(parents=True, exist_ok=True)
    output.write_text(json.dumps(results, indent=2, default=str) + "\n")
    print(format_table(results))
    print(f"\nresults written to {output}")
    return 0
