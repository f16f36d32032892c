"""Helpers shared by the format adapters: rejects, timestamps, files, canonical JSON."""

from __future__ import annotations

import gzip
import hashlib
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import orjson

from agent_monitor.lib.ingest.records import SourceRecord

MAX_RAW_BYTES = 64 * 1024
EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class AdapterReject(Exception):
    """An input item breaks the format: carries the machine reason and a readable detail."""

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail


def reject_record(location: int, item: Any, error: AdapterReject) -> SourceRecord:
    """Build the quarantine-ready record for a malformed input item."""
    raw = item if isinstance(item, bytes) else orjson.dumps(item, default=str)
    return SourceRecord(
        location=location,
        raw=raw[:MAX_RAW_BYTES],
        reject_reason=error.reason,
        reject_detail=error.detail,
    )


def open_binary(path: Path) -> IO[bytes]:
    """Open a file for reading bytes, transparently un-gzipping `.gz` files."""
    if path.suffix == ".gz":
        return gzip.open(path, "rb")
    return path.open("rb")


def base_stem(path: Path) -> str:
    """File name without `.gz` and the format suffix (`.json`, `.jsonl`)."""
    name = path.name
    if name.endswith(".gz"):
        name = name[:-3]
    return name.rsplit(".", 1)[0] if "." in name else name


def load_json_document(path: Path) -> Any:
    """Parse a whole (possibly gzipped) JSON document."""
    try:
        with open_binary(path) as handle:
            return orjson.loads(handle.read())
    except (orjson.JSONDecodeError, OSError, EOFError) as error:
        raise AdapterReject("bad_json", f"{path.name} is not one JSON document: {error}") from None


def format_ts(moment: datetime) -> str:
    """RFC 3339 in UTC with microseconds and `Z`, the one timestamp form adapters write."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def parse_iso_utc(value: Any, field: str) -> datetime:
    """Parse an ISO 8601 timestamp; naive values are taken as UTC."""
    if not isinstance(value, str):
        raise AdapterReject(f"bad_type:{field}", f"{field} must be an ISO 8601 string")
    try:
        moment = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as error:
        raise AdapterReject(f"bad_type:{field}", f"{field}={value!r}: {error}") from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


def nanos_to_datetime(nanos: int) -> datetime:
    """Unix nanoseconds to an aware UTC datetime (microsecond precision)."""
    seconds, rest = divmod(nanos, 1_000_000_000)
    return EPOCH + timedelta(seconds=seconds, microseconds=rest // 1000)


def canonical_json(value: Any) -> str:
    """Compact JSON with sorted keys: equal values give equal strings."""
    return orjson.dumps(value, option=orjson.OPT_SORT_KEYS).decode()


def content_hash(value: Any) -> str:
    """SHA-256 hex digest of the canonical JSON of a value."""
    return hashlib.sha256(canonical_json(value).encode()).hexdigest()
