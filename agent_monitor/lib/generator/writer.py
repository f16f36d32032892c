"""Write events as JSON Lines, one file per UTC day, optionally gzip, byte-for-byte reproducible."""

from __future__ import annotations

import gzip
import io
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import orjson

FILE_PREFIX = "events-"


def day_file_name(day: str, compress: bool) -> str:
    """`events-2026-01-05.jsonl` or `events-2026-01-05.jsonl.gz`."""
    return f"{FILE_PREFIX}{day}.jsonl" + (".gz" if compress else "")


def encode_lines(events: Iterable[dict[str, Any]]) -> bytes:
    """One compact JSON object per line, keys in insertion order, newline-terminated."""
    return b"".join(orjson.dumps(event) + b"\n" for event in events)


def write_days(events: list[tuple[int, str, dict[str, Any]]], out_dir: Path, compress: bool) -> list[Path]:
    """Sort by (ts, event_id), split by the UTC day of `ts`, write one file per day."""
    by_day: dict[str, list[dict[str, Any]]] = {}
    for _, _, event in sorted(events, key=lambda item: (item[0], item[1])):
        by_day.setdefault(event["ts"][:10], []).append(event)
    out_dir.mkdir(parents=True, exist_ok=True)
    written = []
    for day, day_events in sorted(by_day.items()):
        path = out_dir / day_file_name(day, compress)
        data = encode_lines(day_events)
        if compress:
            buffer = io.BytesIO()
            # mtime=0 and no file name in the header keep the archive reproducible.
            with gzip.GzipFile(filename="", mode="wb", fileobj=buffer, mtime=0) as archive:
                archive.write(data)
            data = buffer.getvalue()
        path.write_bytes(data)
        written.append(path)
    return written
