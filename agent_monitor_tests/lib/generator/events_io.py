"""Read generated day files back for the tests."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any


def read_events(out_dir: Path) -> list[dict[str, Any]]:
    """Every event of every `events-*.jsonl[.gz]` file in out_dir, in file order."""
    events = []
    for path in sorted(out_dir.glob("events-*.jsonl*")):
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(path, "rt", encoding="utf-8") as handle:
            events += [json.loads(line) for line in handle]
    return events


def file_bytes(out_dir: Path) -> dict[str, bytes]:
    """Name → content of every file the generator wrote."""
    return {p.name: p.read_bytes() for p in sorted(out_dir.iterdir())}
