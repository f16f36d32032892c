"""Timestamps are RFC 3339 exactly; a byte order mark does not cost the first event."""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.ingest.timestamps import TimestampError, parse_rfc3339
from agent_monitor.lib.warehouse.tables_raw import raw_events

ACCEPTED = [
    ("2026-01-05T10:00:00Z", datetime(2026, 1, 5, 10, 0, 0, tzinfo=UTC)),
    ("2026-01-05t10:00:00z", datetime(2026, 1, 5, 10, 0, 0, tzinfo=UTC)),
    ("2026-01-05 10:00:00Z", datetime(2026, 1, 5, 10, 0, 0, tzinfo=UTC)),
    ("2026-01-05T10:00:00.25+05:30", datetime(2026, 1, 5, 4, 30, 0, 250000, tzinfo=UTC)),
    ("2026-01-05T10:00:00.123456789Z", datetime(2026, 1, 5, 10, 0, 0, 123456, tzinfo=UTC)),
    ("2026-01-05T10:00:00-00:00", datetime(2026, 1, 5, 10, 0, 0, tzinfo=UTC)),
    ("2026-01-05T00:30:00+01:00", datetime(2026, 1, 4, 23, 30, 0, tzinfo=UTC)),
    # A leap second is the instant that follows :59, as in POSIX time.
    ("2016-12-31T23:59:60Z", datetime(2017, 1, 1, 0, 0, 0, tzinfo=UTC)),
    ("2016-12-31T18:59:60-05:00", datetime(2017, 1, 1, 0, 0, 0, tzinfo=UTC)),
]

REFUSED = [
    ("20260105T100000Z", False),  # basic format
    ("2026-W02-1T10:00:00Z", False),  # week date
    ("2026-005T10:00:00Z", False),  # ordinal date
    ("2026-01-05T10Z", False),  # hour only
    ("2026-01-05T10:00Z", False),  # no seconds
    ("2026-01-05T10:00:00+0500", False),  # offset without colon
    ("2026-01-05T10:00:00+05", False),
    ("2026-01-05T10:00:00", False),  # no offset
    ("2026-01-05", False),
    ("2026-01-05T10:00:00.Z", False),
    ("2026-02-30T10:00:00Z", False),
    ("2026-01-05T24:00:00Z", False),
    ("2026-01-05T10:00:61Z", False),
    ("2026-01-05T10:00:00+24:00", False),
    (" 2026-01-05T10:00:00Z", False),
    ("9999-12-31T23:30:00-05:00", True),  # past year 9999 in UTC
    ("0001-01-01T00:30:00+05:00", True),  # before year 1 in UTC
    ("9999-12-31T23:59:60Z", True),
]


@pytest.mark.parametrize(("text", "expected"), ACCEPTED)
def test_rfc3339_timestamps_are_accepted(text: str, expected: datetime) -> None:
    assert parse_rfc3339(text) == expected


@pytest.mark.parametrize(("text", "out_of_range"), REFUSED)
def test_other_timestamps_are_refused(text: str, out_of_range: bool) -> None:
    with pytest.raises(TimestampError) as caught:
        parse_rfc3339(text)
    assert caught.value.out_of_range is out_of_range


@pytest.mark.parametrize("gz", [False, True], ids=["plain", "gzip"])
def test_a_byte_order_mark_at_the_start_is_not_part_of_the_first_event(
    warehouse_engine: Engine, tmp_path: Path, gz: bool
) -> None:
    data = (
        b"\xef\xbb\xbf"
        b'{"event_id":"e1","event_type":"user_message","ts":"2016-12-31T23:59:60Z","session_id":"s","turn":1}\n'
        b'{"event_id":"e2","event_type":"user_message","ts":"2026-01-05t10:00:00z","session_id":"s","turn":2}\n'
    )
    path = tmp_path / ("events.jsonl.gz" if gz else "events.jsonl")
    path.write_bytes(gzip.compress(data) if gz else data)
    result = ingest_path(warehouse_engine, path)
    assert (result.lines_read, result.accepted, result.quarantined) == (2, 2, 0)
    with warehouse_engine.connect() as connection:
        rows = connection.execute(select(raw_events.c.event_id, raw_events.c.ts).order_by(raw_events.c.event_id)).all()
    assert [tuple(r) for r in rows] == [("e1", datetime(2017, 1, 1)), ("e2", datetime(2026, 1, 5, 10))]
