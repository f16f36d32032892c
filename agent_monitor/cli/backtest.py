"""`agent-monitor backtest`: what a proposed rule setting would have paged over built history."""

from __future__ import annotations

import argparse
from pathlib import Path

from agent_monitor.cli import CommandError
from agent_monitor.cli.silence import parse_until
from agent_monitor.lib.alerting.catalogue import RULE_NAMES, SEVERITIES
from agent_monitor.lib.backtest import Proposal, run_backtest, text_report
from agent_monitor.lib.config import ConfigError, load_config
from agent_monitor.lib.warehouse.connection import WarehouseError
from agent_monitor.lib.warehouse.open import open_warehouse


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "backtest",
        help="replay the alert rules over built history with a proposed setting",
        description=(
            "Evaluate one rule (or every rule) over the hours already built, with a proposed "
            "threshold, minimum sample or severity, through the alert sensor's own rule and "
            "lifecycle code, and print the episodes that would have fired, been inhibited or "
            "silenced and resolved, next to what actually fired. Nothing is written or sent."
        ),
    )
    parser.add_argument("--rule", choices=RULE_NAMES, metavar="RULE",
                        help="the rule to backtest (default: every rule, as configured)")
    parser.add_argument("--threshold", type=float, help="proposed threshold (needs --rule)")
    parser.add_argument("--min-samples", type=int, help="proposed minimum sample (needs --rule)")
    parser.add_argument("--severity", choices=SEVERITIES, help="proposed severity (needs --rule)")
    parser.add_argument("--from", dest="start", required=True,
                        help="first hour, UTC, e.g. 2026-01-05 or 2026-01-05T10:00Z")
    parser.add_argument("--to", dest="end", required=True, help="end of the window (exclusive), UTC")
    parser.add_argument("--ground-truth", type=Path, metavar="PATH",
                        help="the generator's ground_truth.json: each incident's first page")
    parser.add_argument("--database-url", help="warehouse URL (default: AGENT_MONITOR_DATABASE_URL or embedded SQLite)")
    parser.add_argument("--config", help="config file (default: AGENT_MONITOR_CONFIG or ./agent_monitor.yaml)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    try:
        start, end = parse_until(args.start), parse_until(args.end)
    except CommandError as error:
        raise CommandError(str(error).replace("--until", "--from/--to")) from None
    if args.ground_truth is not None and not args.ground_truth.is_file():
        raise CommandError(f"--ground-truth: {args.ground_truth}: no such file")
    proposal = Proposal(rule=args.rule, threshold=args.threshold, min_samples=args.min_samples,
                        severity=args.severity)
    try:
        config = load_config(args.config)
        engine = open_warehouse(args.database_url)
    except (ConfigError, WarehouseError) as error:
        raise CommandError(str(error)) from error
    try:
        result = run_backtest(engine, config, proposal, start, end, ground_truth=args.ground_truth)
    except (ConfigError, ValueError) as error:
        raise CommandError(str(error)) from error
    finally:
        engine.dispose()
    print(text_report(result))
    return 0
