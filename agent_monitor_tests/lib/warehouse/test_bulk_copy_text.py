"""COPY text: the sparse fast path writes exactly the line the value-by-value path writes."""

from __future__ import annotations

import random
from datetime import datetime
from enum import Enum
from typing import Any

import pytest
from sqlalchemy import Engine, select

from agent_monitor.lib.warehouse import bulk
from agent_monitor.lib.warehouse.tables_raw import raw_events

NAMES = [c.name for c in raw_events.columns]


def _line(**values: str) -> str:
    """A raw_events COPY line by hand: `\\N` for every column not given, `null` for JSON ones."""
    json_columns = {"facts_referenced", "fields_requested", "flags", "facts_provided", "fields_provided",
                    "depends_on", "attributes"}
    return "\t".join(values.get(name, "null" if name in json_columns else "\\N") for name in NAMES) + "\n"


def _reference(rows: list[dict[str, Any]]) -> str:
    """Every value converted and escaped one by one (the general path)."""
    special = bulk._special(raw_events, bulk._COPY_CONVERTERS)
    return "".join(bulk._copy_line_escaped(row, NAMES, special) + "\n" for row in rows)


class Colour(str, Enum):  # noqa: UP042 - str() of this one is "Colour.RED", not its value
    RED = "red"


BASE = {"event_id": "e1", "event_type": "agent_response", "ts": datetime(2026, 1, 5, 10, 0, 1, 500),
        "ts_epoch": 1767607201.0005, "schema_version": 1, "content_hash": "h", "ingest_id": 7}
BASE_TEXT = {"event_id": "e1", "event_type": "agent_response", "ts": "2026-01-05 10:00:01.000500",
             "ts_epoch": "1767607201.0005", "schema_version": "1", "content_hash": "h", "ingest_id": "7"}


@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        # Nothing to escape: the values as they are; a True flag is `t`, a whole second keeps .000000.
        ({"agent_id": "a-1", "turn": 3, "confidence": 0.25, "has_hallucination_flag": True,
          "flags": ["x"], "started_at": datetime(2026, 1, 5, 9)},
         {"agent_id": "a-1", "turn": "3", "confidence": "0.25", "has_hallucination_flag": "t",
          "flags": '["x"]', "started_at": "2026-01-05 09:00:00.000000"}),
        # Each of the four characters COPY escapes, in a plain column.
        ({"text": "a\tb\nc\\d\re"}, {"text": "a\\tb\\nc\\\\d\\re"}),
        # The two characters `\N` as a value are text, not NULL.
        ({"agent_id": "\\N"}, {"agent_id": "\\\\N"}),
        # A backslash inside JSON (an escaped quote) is doubled.
        ({"attributes": {"q": 'say "hi"'}}, {"attributes": '{"q":"say \\\\"hi\\\\""}'}),
        # None is NULL, in a JSON column the JSON value null; an unknown key is ignored.
        ({"agent_id": None, "flags": None, "not_a_column": "x"}, {}),
        # A str subclass is written as its characters; an empty string is not NULL.
        ({"agent_id": Colour.RED, "session_id": ""}, {"agent_id": "red", "session_id": ""}),
    ],
)
def test_copy_lines_worked_by_hand(fields: dict[str, Any], expected: dict[str, str]) -> None:
    row = {**BASE, **fields}
    assert bulk.copy_text(raw_events, [row]) == _line(**BASE_TEXT, **expected)
    assert bulk.copy_text(raw_events, [row]) == _reference([row])


def _random_text(rng: random.Random) -> str:
    alphabet = ["a", "é", " ", "\t", "\n", "\r", "\\", "N", '"', "\u2028", "0"]
    return "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 8)))


def _random_row(rng: random.Random, n: int) -> dict[str, Any]:
    row: dict[str, Any] = {**BASE, "event_id": f"e{n}"}
    for name in ("agent_id", "session_id", "text", "error_type", "decision_value"):
        if rng.random() < 0.5:
            row[name] = _random_text(rng)
    for name in ("flags", "attributes"):
        if rng.random() < 0.4:
            row[name] = [_random_text(rng)] if name == "flags" else {_random_text(rng): _random_text(rng)}
    if rng.random() < 0.5:
        row["turn"] = rng.randint(1, 2**31 - 1)
    if rng.random() < 0.5:
        row["latency_ms"] = rng.choice([0.1, 1e300, 5e-324, 12.0, 3])
    if rng.random() < 0.3:
        row["has_hallucination_flag"] = rng.random() < 0.5
    return row


def test_copy_text_equals_the_value_by_value_path_on_generated_rows() -> None:
    rng = random.Random(20260105)
    rows = [_random_row(rng, n) for n in range(3000)]
    assert bulk.copy_text(raw_events, rows) == _reference(rows)


def test_generated_rows_read_back_as_sqlalchemy_inserted_them(warehouse_engine: Engine) -> None:
    rng = random.Random(7)
    rows = [_random_row(rng, n) for n in range(300)]
    with warehouse_engine.begin() as connection:
        bulk.insert_rows(connection, raw_events, rows)  # COPY on PostgreSQL, executemany on SQLite
        bulk_rows = connection.execute(select(raw_events).order_by(raw_events.c.event_id)).all()
        connection.execute(raw_events.delete())
        connection.execute(raw_events.insert(), [{name: r.get(name) for name in NAMES} for r in rows])
        plain_rows = connection.execute(select(raw_events).order_by(raw_events.c.event_id)).all()
    assert bulk_rows == plain_rows
    assert len(bulk_rows) == 300
