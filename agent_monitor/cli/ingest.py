"""`agent-monitor ingest PATH…`: the landing sensor's ingestion, from the shell."""

from __future__ import annotations

import argparse
from pathlib import Path

from agent_monitor.cli import CommandError
from agent_monitor.lib.config import ConfigError, load_config
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.warehouse.connection import WarehouseError
from agent_monitor.lib.warehouse.open import open_warehouse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "ingest",
        help="ingest event files (JSONL, .jsonl.gz, OTel, tau-bench, tau2) into the warehouse",
        description=(
            "Ingest files or folders of files. Identical re-delivery is a no-op; a changed file "
            "only adds its new events; bad lines go to quarantined_events with a reason."
        ),
    )
    parser.add_argument("paths", nargs="+", type=Path, metavar="PATH")
    parser.add_argument("--database-url", help="warehouse URL (default: AGENT_MONITOR_DATABASE_URL or embedded SQLite)")
    parser.add_argument("--config", help="config file (default: AGENT_MONITOR_CONFIG or ./agent_monitor.yaml)")
    parser.set_defaults(func=run)


def expand_paths(paths: list[Path]) -> list[Path]:
    """Files as given, and the event files found under each folder, in sorted order."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(
                p for p in path.rglob("*")
                if p.is_file() and p.name.endswith((".jsonl", ".jsonl.gz", ".json", ".json.gz"))
            )
        elif path.is_file():
            files.append(path)
        else:
            raise CommandError(f"{path}: no such file or folder")
    return files


def run(args: argparse.Namespace) -> int:
    try:
        config = load_config(args.config)
        engine = open_warehouse(args.database_url)
    except (ConfigError, WarehouseError) as error:
        raise CommandError(str(error)) from error
    failed = 0
    nothing_accepted = 0
    for path in expand_paths(args.paths):
        try:
            result = ingest_path(
                engine, path, store_text=config.ingest.store_text, batch_size=config.ingest.batch_size
            )
        except Exception as error:  # noqa: BLE001 - one bad file does not stop the others
            failed += 1
            print(f"{path}: failed: {type(error).__name__}: {error}")
            continue
        print(result.summary())
        if result.unrecognised:
            nothing_accepted += 1
        elif result.lines_read and not (result.accepted or result.duplicates):
            nothing_accepted += 1
            print(f"{path}: nothing accepted from {result.lines_read} lines (see quarantined_events)")
    engine.dispose()
    return 1 if failed or nothing_accepted else 0
