"""The `agent-monitor` command: one subcommand per module in this package."""

from __future__ import annotations

import argparse
import importlib
import sys
import warnings
from collections.abc import Sequence

# Each module defines `register(subparsers)`, which adds its subcommand(s) and sets
# `func` on the parser to a callable taking the parsed namespace and returning an exit code.
SUBCOMMAND_MODULES = (
    "ingest",
    "convert",
    "generate",
    "demo",
    "replay",
    "bench",
    "review",
    "silence",
    "metrics",
    "backtest",
    "dashboard",
)


class CommandError(Exception):
    """A user-facing error: printed without a traceback, exit code 2."""


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agent-monitor",
        description="Monitor AI agents from their raw logs: ingest, build, alert.",
    )
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name in SUBCOMMAND_MODULES:
        module = importlib.import_module(f"agent_monitor.cli.{name}")
        module.register(subparsers)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    # Dagster's notes about beta/preview parameters are for developers, not for this command's users.
    warnings.filterwarnings("ignore", message=".*is currently in (beta|preview).*")
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except CommandError as error:
        print(f"agent-monitor {args.command}: {error}", file=sys.stderr)
        return 2
    except Exception as error:
        message = _warehouse_failure(args, error)
        if message is None:
            raise
        print(f"agent-monitor {args.command}: {message}", file=sys.stderr)
        return 2


def _warehouse_failure(args: argparse.Namespace, error: Exception) -> str | None:
    """One line for a warehouse that cannot be opened or went away, on every command."""
    from sqlalchemy import exc as sa_exc

    from agent_monitor.lib.warehouse.connection import WarehouseError, unreachable_message

    if isinstance(error, WarehouseError):
        return str(error)
    if isinstance(error, sa_exc.OperationalError | sa_exc.InterfaceError):
        return unreachable_message(_failed_url(args, error), error)
    return None


def _failed_url(args: argparse.Namespace, error: Exception) -> str:
    """The URL the failing driver was talking to: `bench --postgres-url` beside the default
    SQLite warehouse must be named as the PostgreSQL server it is, not as the SQLite file."""
    from agent_monitor.bench.databases import DEFAULT_POSTGRES_URL
    from agent_monitor.lib.warehouse.connection import make_url_safe, resolve_database_url

    warehouse = resolve_database_url(getattr(args, "database_url", None))
    driver = type(getattr(error, "orig", None) or error).__module__.split(".")[0]
    if driver.startswith("psycopg") and make_url_safe(warehouse) != "postgresql":
        return getattr(args, "postgres_url", None) or DEFAULT_POSTGRES_URL
    return warehouse
