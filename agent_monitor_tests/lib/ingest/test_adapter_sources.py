"""Adapter formats through ingestion: quarantine reasons, idempotence, convert ≡ direct."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from sqlalchemy import Engine, func, select

from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.warehouse.tables_raw import quarantined_events, raw_events
from agent_monitor_tests.conftest import PROJECT_ROOT, SHARED_DATA

MALFORMED_SPANS = PROJECT_ROOT / "agent_monitor_tests" / "fixtures" / "otel" / "malformed_spans.jsonl"
TAU2_AIRLINE = SHARED_DATA / "tau2-bench" / "gpt-4.1_airline.json"


def test_malformed_spans_end_in_quarantine_with_their_reasons(warehouse_engine: Engine) -> None:
    result = ingest_path(warehouse_engine, MALFORMED_SPANS)
    # 10 span items in the fixture: 8 malformed (items 1-7 and the broken line, item 9), 2 good.
    assert (result.source_format, result.lines_read, result.accepted, result.quarantined) == ("otel", 10, 2, 8)
    with warehouse_engine.connect() as connection:
        rows = connection.execute(
            select(quarantined_events.c.location, quarantined_events.c.reason).order_by(quarantined_events.c.location)
        ).all()
    assert [tuple(r) for r in rows] == [
        (1, "missing_field:traceId"),
        (2, "missing_field:spanId"),
        (3, "missing_field:startTimeUnixNano"),
        (4, "bad_type:gen_ai.usage.input_tokens"),
        (5, "bad_type:gen_ai.usage.output_tokens"),
        (6, "out_of_range:gen_ai.operation.name"),
        (7, "out_of_range:endTimeUnixNano"),
        (9, "bad_json"),
    ]


def _event_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(raw_events)).scalar_one())


def test_converting_and_ingesting_twice_changes_nothing(warehouse_engine: Engine, tmp_path: Path) -> None:
    direct = ingest_path(warehouse_engine, TAU2_AIRLINE)
    assert direct.quarantined == 0 and direct.accepted > 0
    converted = tmp_path / "airline.jsonl"
    for _ in range(2):
        completed = subprocess.run(
            [sys.executable, "-m", "agent_monitor.cli.main", "convert", "--from", "tau2", str(TAU2_AIRLINE), "-o", str(converted)],
            capture_output=True, text=True, timeout=120,
        )
        assert completed.returncode == 0, completed.stderr
    again = ingest_path(warehouse_engine, converted)
    # The converted file holds exactly the events ingested directly: all duplicates.
    assert (again.lines_read, again.accepted, again.duplicates, again.quarantined) == (direct.accepted, 0, direct.accepted, 0)
    assert ingest_path(warehouse_engine, TAU2_AIRLINE).skipped_unchanged
    assert _event_count(warehouse_engine) == direct.accepted
