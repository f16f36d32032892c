"""Recognise a log file's format from its first bytes and dispatch to the right adapter."""

from __future__ import annotations

import gzip
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

import orjson

from agent_monitor.lib.adapters import otel, tau2, tau_bench
from agent_monitor.lib.adapters.common import MAX_RAW_BYTES, AdapterReject, reject_record
from agent_monitor.lib.adapters.pairing import tau2_primary_for
from agent_monitor.lib.ingest.records import SourceRecord

Format = Literal["jsonl", "otel", "tau-bench", "tau2", "unknown"]
# The formats a reader exists for; "unknown" is a multi-line JSON object none of them reads.
FORMATS: tuple[Format, ...] = ("jsonl", "otel", "tau-bench", "tau2")
PEEK_BYTES = 256 * 1024
GZIP_MAGIC = b"\x1f\x8b"
TAU2_MARKERS = (b'"simulations"', b'"environment_info"', b'"agent_info"')


def peek(path: Path, size: int = PEEK_BYTES) -> bytes:
    """The first `size` bytes of the (un-gzipped) content, without a BOM or leading space."""
    with path.open("rb") as handle:
        gzipped = handle.read(2) == GZIP_MAGIC
    opener = gzip.open if gzipped else open
    with opener(path, "rb") as handle:
        head = handle.read(size)
    return head.removeprefix(b"\xef\xbb\xbf").lstrip()


def detect_format(path: Path) -> Format:
    """Recognise the format from the shape of the document (SPEC §8); JSONL unless sure.

    JSON Lines is many documents, one per line; tau-bench and tau2 are one document (an
    array of trajectories, an object with `simulations`); OTel is lines of objects holding
    `resourceSpans` alone. A line that carries `event_type` or `event_id` is an event, so a
    file of events stays JSONL whatever extra fields or odd first line it has.
    """
    head = peek(path)
    first_line, _, rest = head.partition(b"\n")
    truncated = len(head) >= PEEK_BYTES
    first = _loads(first_line)
    if isinstance(first, dict):
        if _is_event(first):
            return "jsonl"
        if isinstance(first.get("resourceSpans"), list):
            return "otel"
        if isinstance(first.get("simulations"), list) and not rest.strip() and not truncated:
            return "tau2"  # the whole document on one line
        return "jsonl"
    if isinstance(first, list):
        one_document = not rest.strip() and not truncated
        if one_document and first and all(isinstance(item, dict) for item in first):
            return "tau2" if _simulation_list(first_line) else "tau-bench"
        return "jsonl"
    if first is not None or _has_event_lines(rest, truncated):
        return "jsonl"
    # The first line is not a JSON value by itself: the start of one multi-line document.
    if head.startswith(b"["):
        return "tau2" if _simulation_list(head) else "tau-bench"
    if head.startswith(b"{"):
        if b'"resourceSpans"' in first_line[:4096]:
            return "otel"  # one span batch longer than the peek
        if any(marker in head for marker in TAU2_MARKERS):
            return "tau2"
        if first_line.strip() == b"{":
            return "unknown"  # one pretty-printed object of no known kind: not lines of events
    return "jsonl"


_SAMPLE_LINES = 20


def _loads(line: bytes) -> object:
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return None


def _is_event(value: dict[str, object]) -> bool:
    return "event_type" in value or "event_id" in value


def _has_event_lines(rest: bytes, truncated: bool) -> bool:
    """True when one of the next lines is an event on its own (a JSONL file, broken first line)."""
    lines = rest.split(b"\n")
    if truncated:
        lines = lines[:-1]  # the last one may be cut short
    sample = [line for line in lines if line.strip()][:_SAMPLE_LINES]
    return any(isinstance(value := _loads(line), dict) and _is_event(value) for line in sample)


def _simulation_list(head: bytes) -> bool:
    """A JSON list of tau2 simulations (`messages`) rather than tau-bench trajectories (`traj`)."""
    messages, traj = head.find(b'"messages"'), head.find(b'"traj"')
    return messages >= 0 and (traj < 0 or messages < traj)


def _guarded(path: Path, records: Iterator[SourceRecord]) -> Iterator[SourceRecord]:
    """Turn a whole-file failure into one reject instead of an exception."""
    try:
        yield from records
    except AdapterReject as error:
        yield reject_record(1, peek(path, MAX_RAW_BYTES), error)


def iter_source_records(path: Path, fmt: Format | None = None) -> Iterator[SourceRecord] | None:
    """Records of a non-JSONL file (tau2 shadow runs paired by folder); None for JSONL."""
    fmt = fmt or detect_format(path)
    if fmt == "otel":
        return _guarded(path, otel.iter_records(path))
    if fmt == "tau-bench":
        return _guarded(path, tau_bench.iter_records(path))
    if fmt == "tau2":
        return _guarded(path, tau2.iter_records(path, tau2_primary_for(path)))
    return None
