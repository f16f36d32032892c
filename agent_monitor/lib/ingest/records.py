"""What every source reader yields: one record per line (JSONL) or per converted item."""

from __future__ import annotations

from typing import Any, NamedTuple


class SourceRecord(NamedTuple):
    """One candidate event from a source.

    Either ``raw`` (the undecoded bytes of a JSONL line, parsed and validated by ingestion)
    or ``event`` (an already-built SPEC §1 dict from a format adapter, validated the same
    way) is set. ``location`` is the 1-based line number, or for adapters the position of
    the item that produced the event, so quarantine rows point back at the input.

    A named tuple, not a frozen dataclass: one is made per line, and a tuple is built in a
    fifth of the time.
    """

    location: int
    raw: bytes | None = None
    event: dict[str, Any] | None = None
    # Set by a reader that already knows the record is unusable (e.g. a line too long).
    reject_reason: str | None = None
    reject_detail: str | None = None
