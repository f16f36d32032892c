"""`agent-monitor generate -o OUT_DIR`: synthetic agent logs with injected incidents."""

from __future__ import annotations

import argparse
import time
from datetime import datetime, timedelta
from pathlib import Path

from agent_monitor.cli import CommandError
from agent_monitor.lib.generator import (
    INCIDENT_KINDS,
    GeneratorSettings,
    IncidentSpec,
    generate,
)
from agent_monitor.lib.generator.clock import parse_utc
from agent_monitor.lib.generator.settings import DEFAULT_START

INCIDENT_FORMAT = "KIND:AGENT[,AGENT…]:START:DURATION_H"


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "generate",
        help="write synthetic agent logs (JSONL per UTC day) and ground_truth.json",
        description=(
            "Simulate five agents with user sessions, reviews, shadow traffic and multi-agent "
            "workflows, inject incidents (by default one of each kind) and write one JSONL "
            "file per UTC day plus ground_truth.json. The same options give identical files."
        ),
    )
    parser.add_argument("-o", "--out", required=True, type=Path, metavar="OUT_DIR")
    parser.add_argument("--seed", type=int, default=7, help="random seed (default 7)")
    parser.add_argument(
        "--start",
        default=DEFAULT_START.strftime("%Y-%m-%dT%H:%MZ"),
        help="first hour, UTC, on a whole hour (default %(default)s)",
    )
    parser.add_argument("--hours", type=int, default=72, help="hours to simulate (default 72)")
    parser.add_argument(
        "--incident",
        action="append",
        default=[],
        metavar=INCIDENT_FORMAT,
        help=(
            f"inject an incident ({', '.join(INCIDENT_KINDS)}); START is a UTC time or whole "
            "hours after --start; repeatable; replaces the default incidents"
        ),
    )
    parser.add_argument("--no-incidents", action="store_true", help="clean traffic only, no incidents")
    parser.add_argument("--gzip", action="store_true", help="write .jsonl.gz files")
    parser.set_defaults(func=run)


def parse_incident(text: str, start: datetime) -> IncidentSpec:
    """`cascade:retrieval-agent,billing-agent:22:8` or with START as `2026-01-05T22:00Z`."""
    parts = text.split(":", 2)
    if len(parts) != 3 or ":" not in parts[2]:
        raise CommandError(f"--incident {text!r}: expected {INCIDENT_FORMAT}")
    kind, agents, rest = parts
    begin_text, duration_text = rest.rsplit(":", 1)
    if kind not in INCIDENT_KINDS:
        raise CommandError(f"--incident {text!r}: unknown kind {kind!r} ({', '.join(INCIDENT_KINDS)})")
    try:
        duration = float(duration_text)
    except ValueError:
        raise CommandError(f"--incident {text!r}: DURATION_H {duration_text!r} is not a number") from None
    if duration <= 0:
        raise CommandError(f"--incident {text!r}: DURATION_H must be positive")
    try:
        begin = start + timedelta(hours=int(begin_text))
    except ValueError:
        try:
            begin = parse_utc(begin_text)
        except ValueError:
            raise CommandError(f"--incident {text!r}: START {begin_text!r} is not a time") from None
    names = tuple(a for a in agents.split(",") if a)
    return IncidentSpec(kind, names, begin, begin + timedelta(hours=duration))


def run(args: argparse.Namespace) -> int:
    try:
        start = parse_utc(args.start)
    except ValueError:
        raise CommandError(f"--start {args.start!r} is not a UTC time") from None
    if args.no_incidents and args.incident:
        raise CommandError("--no-incidents and --incident exclude each other")
    incidents: tuple[IncidentSpec, ...] | None = None
    if args.no_incidents:
        incidents = ()
    elif args.incident:
        incidents = tuple(parse_incident(text, start) for text in args.incident)
    try:
        settings = GeneratorSettings(seed=args.seed, start=start, hours=args.hours, incidents=incidents, gzip=args.gzip)
    except ValueError as error:
        raise CommandError(str(error)) from error
    began = time.perf_counter()
    truth = generate(settings, args.out)
    seconds = time.perf_counter() - began
    total = sum(truth.event_counts.values())
    print(f"wrote {total} events to {args.out} in {seconds:.1f} s (seed {settings.seed})")
    for name, count in sorted(truth.event_counts.items()):
        print(f"  {name}: {count}")
    for incident in truth.incidents:
        print(
            f"  incident {incident.kind} on {', '.join(incident.agents)}: "
            f"{incident.start:%Y-%m-%dT%H:%MZ} – {incident.end:%Y-%m-%dT%H:%MZ}"
        )
    return 0
