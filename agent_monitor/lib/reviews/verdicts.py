"""Read reviewers' verdict files (CSV or JSON Lines) into rows, reporting bad lines."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson

VERDICTS = ("correct", "incorrect", "unverifiable")
REQUIRED_COLUMNS = ("event_id", "verdict")


@dataclass(frozen=True)
class VerdictRow:
    """One reviewer verdict as read from the file (reviewer/note/reviewed_at optional)."""

    line: int
    target_event_id: str
    verdict: str
    reviewer: str | None
    note: str | None
    reviewed_at: datetime | None


@dataclass(frozen=True)
class BadRow:
    """A line that could not be imported, and why."""

    line: int
    reason: str


def read_verdicts(path: Path, *, default_reviewer: str | None = None) -> tuple[list[VerdictRow], list[BadRow]]:
    """Parse a verdict file: (good rows, bad rows with line number and reason)."""
    try:
        text = path.read_text(encoding="utf-8")
    except UnicodeDecodeError as error:
        return [], [BadRow(1, f"not UTF-8: {error.reason}")]
    good: list[VerdictRow] = []
    bad: list[BadRow] = []
    for line, record in _records(path, text, bad):
        try:
            good.append(verdict_row(line, record, default_reviewer))
        except ValueError as error:
            bad.append(BadRow(line, str(error)))
    return good, bad


def is_jsonl(path: Path, text: str) -> bool:
    """JSON Lines by extension (.jsonl/.json), else by a first character of `{`."""
    if path.suffix.lower() in (".jsonl", ".json", ".ndjson"):
        return True
    if path.suffix.lower() == ".csv":
        return False
    return text.lstrip().startswith("{")


def verdict_row(line: int, record: Mapping[str, Any], default_reviewer: str | None) -> VerdictRow:
    """Validate one record; raises ValueError with the reason."""
    target = _text(record.get("event_id"))
    if target is None:
        raise ValueError("missing event_id")
    verdict = _text(record.get("verdict"))
    if verdict is None:
        raise ValueError("missing verdict")
    if verdict not in VERDICTS:
        raise ValueError(f"verdict {verdict[:50]!r} is not one of {', '.join(VERDICTS)}")
    return VerdictRow(
        line=line,
        target_event_id=target,
        verdict=verdict,
        reviewer=_text(record.get("reviewer")) or default_reviewer,
        note=_text(record.get("note")),
        reviewed_at=_timestamp(record.get("reviewed_at")),
    )


def _records(path: Path, text: str, bad: list[BadRow]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    if is_jsonl(path, text):
        yield from _jsonl_records(text, bad)
    else:
        yield from _csv_records(text, bad)


def _jsonl_records(text: str, bad: list[BadRow]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    for number, raw in enumerate(text.splitlines(), start=1):
        if not raw.strip():
            continue
        try:
            record = orjson.loads(raw)
        except orjson.JSONDecodeError as error:
            bad.append(BadRow(number, f"bad JSON at column {error.colno}"))
            continue
        if not isinstance(record, dict):
            bad.append(BadRow(number, f"expected a JSON object, got {type(record).__name__}"))
            continue
        yield number, record


def _csv_records(text: str, bad: list[BadRow]) -> Iterator[tuple[int, Mapping[str, Any]]]:
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    try:
        header = next(reader, None)
    except csv.Error as error:
        bad.append(BadRow(reader.line_num, f"bad CSV: {error}"))
        return
    if header is None:
        return
    columns = [name.strip().lower() for name in header]
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        bad.append(BadRow(1, f"missing column: {', '.join(missing)} (header: {', '.join(columns)})"))
        return
    while True:
        start = reader.line_num + 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as error:
            bad.append(BadRow(start, f"bad CSV: {error}"))
            if reader.line_num < start:  # nothing consumed: the reader cannot go on
                return
            continue
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) != len(columns):
            bad.append(BadRow(start, f"bad CSV: {len(cells)} cells, the header has {len(columns)}"))
            continue
        yield start, dict(zip(columns, cells, strict=True))


def _text(value: Any) -> str | None:
    if value is None:
        return None
    text = str(value).strip()
    return text or None


def _timestamp(value: Any) -> datetime | None:
    text = _text(value)
    if text is None:
        return None
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        raise ValueError(f"reviewed_at {text[:50]!r} is not an RFC 3339 timestamp") from None
    if parsed.tzinfo is None:
        raise ValueError(f"reviewed_at {text[:50]!r} has no UTC offset or Z")
    return parsed.astimezone(UTC).replace(tzinfo=None)
