"""`agent-monitor demo`: from nothing to monitoring tables (and alerts) on realistic logs."""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from agent_monitor.cli import CommandError
from agent_monitor.lib.config import CONFIG_ENV_VAR, default_config_path
from agent_monitor.lib.replay import REPLAY_REVIEW_RATE
from agent_monitor.lib.warehouse.connection import data_folder, redact

DEFAULT_REAL_DATA = Path("..") / "shared" / "data"
# Hours between the end of the generated traffic and now (see `run`).
LIVE_HOURS_AFTER = 74


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "demo",
        help="generate logs with injected incidents (or use real ones), ingest, build every table",
        description=(
            "Generate a few days of agent logs with injected incidents (or take real logs with "
            "--real), ingest them, materialize every asset, and print where to look."
        ),
    )
    parser.add_argument("--hours", type=int, default=72, help="hours of synthetic traffic (default 72)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--real", nargs="*", type=Path, metavar="PATH",
        help=f"use real logs instead of synthetic ones (default {DEFAULT_REAL_DATA})",
    )
    parser.add_argument("--database-url", help="warehouse URL (default: a fresh SQLite file, data/demo/warehouse.db)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from agent_monitor.demo import DemoPlan, run_demo

    # The demo lives in its own folder, rebuilt from nothing on every run.
    home = data_folder() / "demo"
    if home.exists():
        shutil.rmtree(home)
    home.mkdir(parents=True)
    # Everything the demo writes (dashboard, review files) lands in its folder.
    os.environ["AGENT_MONITOR_HOME"] = str(home)
    dagster_home = home / "dagster_home"
    dagster_home.mkdir(parents=True, exist_ok=True)
    if not (dagster_home / "dagster.yaml").exists():
        shutil.copy(Path(__file__).resolve().parents[2] / "dagster.yaml", dagster_home / "dagster.yaml")
    os.environ["DAGSTER_HOME"] = str(dagster_home)
    real_paths = None
    if args.real is not None:
        real_paths = args.real or [DEFAULT_REAL_DATA]
        missing = [p for p in real_paths if not p.exists()]
        if missing:
            raise CommandError(f"no such file or folder: {', '.join(map(str, missing))}")
    # The traffic ends three days ago: reviews land up to 48 h late, and the live replay's last
    # tick comes 25 h after the last of them, so every simulated tick is in the past.
    start = (datetime.now(UTC) - timedelta(hours=args.hours + LIVE_HOURS_AFTER)).replace(
        minute=0, second=0, microsecond=0)
    # Before the definitions are imported: they read the partitions' first hour from it.
    config_path = write_demo_config(home, start if real_paths is None else None)
    os.environ[CONFIG_ENV_VAR] = str(config_path)
    plan = DemoPlan(
        home=home,
        database_url=args.database_url or f"sqlite:///{home / 'warehouse.db'}",
        hours=args.hours,
        seed=args.seed,
        start=start,
        real_paths=real_paths,
    )
    print(f"config: {config_path}")
    began = time.monotonic()
    print(f"warehouse: {redact(plan.database_url)}")
    print(f"Dagster home: {dagster_home}")
    problems = run_demo(plan)
    print(f"\ndone in {time.monotonic() - began:.0f} s")
    for problem in problems:
        print(f"agent-monitor demo: {problem}", file=sys.stderr)
    return 1 if problems else 0


def write_demo_config(home: Path, partitions_start: datetime | None) -> Path:
    """The demo's own config file: the current one (if any) with the partitions starting at the
    generated data (so the UI lists its hours, not every hour since the default start) and the
    dashboard written inside the demo folder, where its Slack links point."""
    import yaml

    source = default_config_path()
    raw = (yaml.safe_load(source.read_text(encoding="utf-8")) or {}) if source.exists() else {}
    if partitions_start is not None:
        raw.setdefault("partitions", {})["start"] = partitions_start.strftime("%Y-%m-%dT%H:%M")
        # The generated reviewers judge this share of responses; the sampler must agree.
        raw.setdefault("review", {})["base_rate"] = REPLAY_REVIEW_RATE
    dashboard = raw.setdefault("dashboard", {}) or {}
    raw["dashboard"] = dashboard
    dashboard.setdefault("output_path", str(home / "dashboard" / "index.html"))
    path = home / "agent_monitor.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False), encoding="utf-8")
    return path
