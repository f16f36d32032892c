"""`agent-monitor convert`: turn OTel span files and tau logs into SPEC §1 JSON Lines."""

from __future__ import annotations

import argparse
import gzip
import os
import sys
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

import orjson

from agent_monitor.cli import CommandError
from agent_monitor.lib.adapters.detect import FORMATS, Format, detect_format, iter_source_records


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "convert",
        help="convert OTel GenAI spans, tau-bench or tau2 logs into agent event JSON Lines",
        description=(
            "Convert log files into SPEC §1 events (JSON Lines). Items that cannot be converted "
            "are listed on stderr with their position and reason; ingesting the original file "
            "quarantines them. A tau2 run is written as the shadow of the base model's run "
            "found next to it (gpt-4.1-finetuned_airline.json shadows gpt-4.1_airline.json)."
        ),
    )
    parser.add_argument("inputs", nargs="+", type=Path, metavar="INPUT")
    parser.add_argument(
        "--from", dest="source_format", default="auto",
        choices=("auto", *[f for f in FORMATS if f != "jsonl"]),
        help="input format (default: detect from content)",
    )
    parser.add_argument(
        "-o", "--output", type=Path, required=True, help="output .jsonl (or .jsonl.gz)"
    )
    parser.set_defaults(func=run)


def _formats(inputs: list[Path], requested: str) -> list[Format]:
    formats: list[Format] = []
    for path in inputs:
        if not path.is_file():
            raise CommandError(f"{path}: no such file")
        fmt = detect_format(path) if requested == "auto" else requested
        if fmt == "jsonl":
            raise CommandError(f"{path}: already agent event JSON Lines; ingest it directly")
        if fmt == "unknown":
            raise CommandError(f"{path}: not a recognised format (a JSON document that is not OTel, tau-bench or tau2)")
        formats.append(fmt)  # type: ignore[arg-type]
    return formats


def _open_output(path: Path, gzipped: bool) -> IO[bytes]:
    if gzipped:
        # mtime=0 and no file name in the header: the same input gives the same bytes.
        return gzip.GzipFile(filename="", mode="wb", fileobj=path.open("wb"), mtime=0)
    return path.open("wb")


@dataclass
class Converted:
    """What one input gave: events written, items rejected (by reason), the layout seen."""

    events: int = 0
    rejected: int = 0
    reasons: Counter[str] = field(default_factory=Counter)
    layout: str | None = None

    def why_nothing(self) -> str:
        """The reason an input gave no event, for the error message."""
        if not self.rejected:
            return "it holds no conversation, simulation or span to convert"
        top = ", ".join(f"{reason}×{n}" for reason, n in self.reasons.most_common(3))
        return f"all {self.rejected} item(s) were rejected ({top})"


def convert_file(path: Path, fmt: Format, out: IO[bytes]) -> Converted:
    """Write one input's events to `out`; report its rejects on stderr; return the counts."""
    records = iter_source_records(path, fmt)
    assert records is not None
    done = Converted()
    for record in records:
        if record.event is not None:
            out.write(orjson.dumps(record.event, option=orjson.OPT_SORT_KEYS) + b"\n")
            done.events += 1
            done.layout = done.layout or record.event.get("source_layout")
        else:
            done.rejected += 1
            done.reasons[str(record.reject_reason)] += 1
            print(f"{path}:{record.location}: {record.reject_reason}: {record.reject_detail}",
                  file=sys.stderr)
    return done


def run(args: argparse.Namespace) -> int:
    inputs: list[Path] = list(args.inputs)
    formats = _formats(inputs, args.source_format)
    partial = args.output.with_name(args.output.name + ".partial")
    gzipped = args.output.name.endswith(".gz")
    total_events = total_rejected = 0
    empty_handed: list[str] = []
    with _open_output(partial, gzipped) as out:
        for path, fmt in zip(inputs, formats, strict=True):
            done = convert_file(path, fmt, out)
            total_events += done.events
            total_rejected += done.rejected
            seen = done.layout or fmt
            print(f"{path}: {seen}: {done.events} events, {done.rejected} rejected", file=sys.stderr)
            if done.events == 0 and path.stat().st_size > 0:
                empty_handed.append(f"{path}: nothing converted: {done.why_nothing()}")
    if isinstance(out, gzip.GzipFile) and out.fileobj is not None:
        out.fileobj.close()
    os.replace(partial, args.output)
    print(f"{args.output}: {total_events} events, {total_rejected} rejected", file=sys.stderr)
    for line in empty_handed:
        print(f"agent-monitor convert: {line}", file=sys.stderr)
    # A non-empty input that gave nothing is a failure, even when other inputs converted.
    return 1 if empty_handed else 0
