"""`agent-monitor review export|import`: hand pending items to reviewers, bring verdicts back."""

from __future__ import annotations

import argparse
import sys
from datetime import UTC, datetime
from pathlib import Path

from sqlalchemy import Engine

from agent_monitor.cli import CommandError
from agent_monitor.lib.config import ConfigError, MonitorConfig, load_config
from agent_monitor.lib.reviews.export import FORMATS, export_record, pending_items, write_export
from agent_monitor.lib.reviews.importer import import_verdicts
from agent_monitor.lib.warehouse.connection import WarehouseError
from agent_monitor.lib.warehouse.open import open_warehouse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "review",
        help="export pending review items, import reviewers' verdicts",
        description="Export the review queue's pending items for reviewers; import their verdicts as review events.",
    )
    actions = parser.add_subparsers(dest="review_command", required=True, metavar="ACTION")

    export = actions.add_parser("export", help="write pending review items as CSV or JSONL")
    export.add_argument("--agent", action="append", default=[], metavar="A", help="only this agent (repeatable)")
    export.add_argument("--format", choices=FORMATS, help="csv or jsonl (default: from -o's extension, else csv)")
    export.add_argument("-o", "--output", type=Path, help="output file (default: standard output)")
    export.add_argument("--limit", type=int, metavar="N", help="at most N items, oldest first")
    _common(export)
    export.set_defaults(func=run_export)

    importer = actions.add_parser("import", help="import verdicts (CSV or JSONL) as review events")
    importer.add_argument("file", type=Path, metavar="FILE")
    importer.add_argument("--reviewer", metavar="NAME", help="reviewer for rows that name none")
    _common(importer)
    importer.set_defaults(func=run_import)


def _common(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--database-url", help="warehouse URL (default: AGENT_MONITOR_DATABASE_URL or embedded SQLite)")
    parser.add_argument("--config", help="config file (default: AGENT_MONITOR_CONFIG or ./agent_monitor.yaml)")


def _open(args: argparse.Namespace) -> tuple[MonitorConfig, Engine]:
    try:
        return load_config(args.config), open_warehouse(args.database_url)
    except (ConfigError, WarehouseError) as error:
        raise CommandError(str(error)) from error


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def run_export(args: argparse.Namespace) -> int:
    if args.limit is not None and args.limit < 0:
        raise CommandError("--limit must be 0 or more")
    file_format = args.format or ("jsonl" if args.output and args.output.suffix == ".jsonl" else "csv")
    config, engine = _open(args)
    try:
        items = pending_items(engine, now=_now(), agents=args.agent, limit=args.limit)
    finally:
        engine.dispose()
    records = [export_record(item, config.links.trace_url_template) for item in items]
    if args.output is None:
        write_export(records, sys.stdout, file_format)
    else:
        with args.output.open("w", encoding="utf-8", newline="") as stream:
            write_export(records, stream, file_format)
        print(f"{args.output}: {len(records)} pending items", file=sys.stderr)
    return 0


def run_import(args: argparse.Namespace) -> int:
    if not args.file.is_file():
        raise CommandError(f"{args.file}: no such file")
    config, engine = _open(args)
    try:
        result = import_verdicts(
            engine, args.file, now=_now(), default_reviewer=args.reviewer, store_text=config.ingest.store_text
        )
    finally:
        engine.dispose()
    for bad in result.bad:
        print(f"{args.file}:{bad.line}: {bad.reason}")
    if result.ingest is not None:
        print(result.ingest.summary())
    print(f"{args.file}: {len(result.good)} new verdicts imported, {len(result.unchanged)} already "
          f"imported (unchanged, nothing written), {len(result.bad)} rows rejected")
    return 1 if result.bad else 0
