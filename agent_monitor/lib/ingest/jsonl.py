"""Stream a `.jsonl` / `.jsonl.gz` file line by line, in bounded memory."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import BinaryIO

from agent_monitor.lib.ingest.records import SourceRecord

MAX_LINE_BYTES = 1024 * 1024
QUARANTINE_TEXT_BYTES = 64 * 1024
_READ_CHUNK = 1024 * 1024
_BOM = b"\xef\xbb\xbf"


def is_gzip(path: Path) -> bool:
    with path.open("rb") as stream:
        return stream.read(2) == b"\x1f\x8b"


def open_binary(path: Path) -> BinaryIO:
    """The file's bytes, decompressed when it is gzip (recognised by content, not name)."""
    if is_gzip(path):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return path.open("rb")


def iter_jsonl_records(
    path: Path,
    *,
    start_offset: int = 0,
    first_location: int = 1,
    max_line_bytes: int = MAX_LINE_BYTES,
) -> Iterator[SourceRecord]:
    """One record per line; a line longer than `max_line_bytes` is never held whole.

    Blank lines yield a record with neither raw nor event, so callers can count them. A
    UTF-8 byte order mark at the start of the file is not part of the first line.
    """
    with open_binary(path) as stream:
        if start_offset:
            stream.seek(start_offset)
        location = first_location
        at_start = start_offset == 0
        while True:
            line = stream.readline(max_line_bytes + 1)
            if not line:
                return
            if at_start:
                line = line.removeprefix(_BOM)
                at_start = False
            if len(line) > max_line_bytes and not line.endswith(b"\n"):
                total = len(line) + _skip_rest_of_line(stream)
                yield SourceRecord(
                    location=location,
                    raw=line[:QUARANTINE_TEXT_BYTES],
                    reject_reason="line_too_long",
                    reject_detail=f"line is {total} bytes; the limit is {max_line_bytes}",
                )
            elif line.strip():
                yield SourceRecord(location=location, raw=line.rstrip(b"\r\n"))
            else:
                yield SourceRecord(location=location)
            location += 1


def _skip_rest_of_line(stream: BinaryIO) -> int:
    skipped = 0
    while True:
        chunk = stream.readline(_READ_CHUNK)
        if chunk.endswith(b"\n"):
            return skipped + len(chunk) - 1  # the line's length excludes its newline
        skipped += len(chunk)
        if not chunk:
            return skipped
