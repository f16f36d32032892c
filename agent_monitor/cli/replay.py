"""`agent-monitor replay`: a generated log played live through the production sensors."""

from __future__ import annotations

import argparse
import shutil
from datetime import datetime
from pathlib import Path

from agent_monitor.lib.replay import REPLAY_REVIEW_RATE
from agent_monitor.lib.warehouse.connection import data_folder


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "replay",
        help="play generated logs live: landing folder, sensors, mid-hour builds, Slack pages",
        description=(
            "Generate logs (with the three injected incidents unless --no-incidents) and feed "
            "them into a landing folder in arrival order on a simulated clock. At every tick "
            "the landing sensor, the raw_events update sensor, the automation evaluation and "
            "the alert sensor run as in production, against a Slack stand-in on loopback. "
            "Prints every page beside the incident it belongs to, with lead times and false "
            "pages, and compares every table with a one-run backfill of the same events. "
            "Exits 1 when a table differs."
        ),
    )
    parser.add_argument("--hours", type=int, default=72, help="hours of generated traffic (default 72)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--start", default="2026-01-05T00:00", help="UTC start of the traffic")
    parser.add_argument("--no-incidents", action="store_true", help="clean traffic only")
    parser.add_argument("--tick-minutes", type=int, default=30,
                        help="simulated minutes between sensor ticks (default 30: one tick mid-hour)")
    parser.add_argument("--traffic-scale", type=float, default=1.0)
    parser.add_argument("--review-rate", type=float, default=REPLAY_REVIEW_RATE,
                        help="review.base_rate of the reviewers and the sampler (default 0.15; SPEC's 0.05 "
                             "leaves M1 at the mercy of chance, see docs/replay.md)")
    parser.add_argument("--no-compare", action="store_true", help="skip the backfill comparison")
    parser.add_argument("-o", "--output", type=Path, help="folder for the replay (default data/replay)")
    parser.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from agent_monitor.lib.replay.report import report_lines
    from agent_monitor.replay import ReplaySettings, run_replay

    folder = args.output or data_folder() / "replay"
    if folder.exists():
        shutil.rmtree(folder)
    settings = ReplaySettings(
        folder=folder, hours=args.hours, seed=args.seed, incidents=not args.no_incidents,
        start=datetime.fromisoformat(args.start).replace(tzinfo=None), tick_minutes=args.tick_minutes,
        traffic_scale=args.traffic_scale, compare=not args.no_compare, review_base_rate=args.review_rate,
    )
    result = run_replay(settings)
    print()
    for line in report_lines(result.pages, result.truth, result.differences):
        print(line)
    steps = ", ".join(f"{name} {seconds:.0f} s" for name, seconds in sorted(result.seconds_by_step.items()))
    print(f"\n{result.ticks} ticks, {result.runs} runs, {result.seconds:.0f} s ({steps}); files in {folder}")
    return 1 if result.differences else 0
