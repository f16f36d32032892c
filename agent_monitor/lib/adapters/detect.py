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

Format = Literal["jsonl", "otel", "tau-bench", "tau2"]
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
    """Guess the format by content; anything unrecognised is JSONL (ingestion checks it)."""
    head = peek(path)
    if head.startswith(b"["):
        return "tau2" if _simulation_list(head) else "tau-bench"
    first_line = head.split(b"\n", 1)[0]
    try:
        first = orjson.loads(first_line)
    except orjson.JSONDecodeError:
        first = None
    if isinstance(first, dict):
        if "resourceSpans" in first:
            return "otel"
        if "simulations" in first:
            return "tau2"
        return "jsonl"
    if first is None and first_line.startswith(b"{"):
        if b'"resourceSpans"' in first_line[:4096]:
            return "otel"
        if any(marker in head for marker in TAU2_MARKERS):
            return "tau2"
    return "jsonl"


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
