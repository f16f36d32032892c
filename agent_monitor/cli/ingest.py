"""`agent-monitor ingest PATH…`: the landing sensor's ingestion, from the shell."""

from __future__ import annotations

import argparse
from pathlib import Path

from agent_monitor.cli import CommandError
from agent_monitor.lib.config import ConfigError, load_config
from agent_monitor.lib.ingest.pipeline import IngestResult, ingest_path
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


# Files that folders of logs hold beside the logs and that are never events: the
# generator's ground truth (what it injected, where).
NOT_LOGS = frozenset({"ground_truth.json"})
LOG_SUFFIXES = (".jsonl", ".jsonl.gz", ".json", ".json.gz")


def expand_paths(paths: list[Path], skipped: list[Path] | None = None) -> list[Path]:
    """Files as given, and the event files found under each folder, in sorted order; files of
    a folder that are known not to be logs are left out (and added to `skipped`)."""
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            for found in sorted(p for p in path.rglob("*") if p.is_file() and p.name.endswith(LOG_SUFFIXES)):
                if found.name in NOT_LOGS:
                    if skipped is not None:
                        skipped.append(found)
                    continue
                files.append(found)
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
    skipped: list[Path] = []
    files = expand_paths(args.paths, skipped)
    for path in skipped:
        print(f"{path}: skipped (not a log file: the generator's ground truth)")
    if not files:
        folders = ", ".join(str(p) for p in args.paths)
        print(f"nothing to ingest: no {', '.join(LOG_SUFFIXES)} log files in {folders}")
        engine.dispose()
        return 0
    for path in files:
        try:
            result = ingest_path(
                engine, path, store_text=config.ingest.store_text, batch_size=config.ingest.batch_size,
                validation_workers=config.ingest.validation_workers,
            )
        except Exception as error:  # noqa: BLE001 - one bad file does not stop the others
            failed += 1
            print(f"{path}: failed: {type(error).__name__}: {error}")
            continue
        print(result.summary())
        if result.unrecognised:
            failed += 1  # the summary above says why
        elif accepted_nothing(result):
            failed += 1
            print(f"{path}: failed: nothing accepted from a non-empty input "
                  f"({result.quarantined} quarantined; see quarantined_events)")
    engine.dispose()
    return 1 if failed else 0


def accepted_nothing(result: IngestResult) -> bool:
    """A file read for the first time (or changed) that gave no event, new or already known."""
    return (
        not result.skipped_unchanged
        and result.lines_read > 0
        and result.accepted == 0
        and result.duplicates == 0
    )
