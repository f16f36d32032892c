"""The ledger invariant, idempotent re-delivery, changed files, gzip, arrival order."""

from __future__ import annotations

import gzip
from pathlib import Path

from sqlalchemy import Engine, func, select

from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.warehouse.tables_raw import (
    ingestion_ledger,
    quarantined_events,
    raw_event_hours,
    raw_events,
    review_hours,
)
from agent_monitor_tests.events import jsonl_bytes, response, review, user_message, write_jsonl

# Columns that describe the event itself (provenance columns differ by arrival order).
CONTENT_COLUMNS = [c for c in raw_events.columns if c.name not in {"ingest_id", "source_location"}]


def _count(engine: Engine, table) -> int:  # type: ignore[no-untyped-def]
    with engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(table)).scalar_one())


def _mixed_lines() -> bytes:
    good = [response(f"r{i}", f"2026-01-05T10:0{i}:00Z", turn=i + 1) for i in range(4)]
    conflicting = response("r0", "2026-01-05T10:00:00Z", turn=9)
    return (
        jsonl_bytes(good)  # lines 1-4: accepted
        + jsonl_bytes([good[1]])  # line 5: identical re-delivery → duplicate
        + b"not json\n"  # line 6: bad_json
        + b"\n"  # blank line: not an event, not counted
        + jsonl_bytes([conflicting])  # line 8: conflicting_duplicate
        + jsonl_bytes([{"event_id": "u1", "event_type": "user_message", "ts": "2026-01-05T11:00:00Z"}])  # line 9: missing session_id
    )


def test_ledger_invariant_on_a_file_mixing_good_bad_and_duplicate_lines(
    warehouse_engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(_mixed_lines())
    result = ingest_path(warehouse_engine, path, batch_size=3)  # batches split duplicates apart
    # 8 event lines: 4 accepted + 1 duplicate + 3 quarantined (bad_json, conflict, missing field).
    assert (result.lines_read, result.accepted, result.duplicates, result.quarantined) == (8, 4, 1, 3)
    with warehouse_engine.connect() as connection:
        ledger = connection.execute(select(ingestion_ledger)).one()
        reasons = connection.execute(
            select(quarantined_events.c.location, quarantined_events.c.reason).order_by(quarantined_events.c.location)
        ).all()
    assert ledger.lines_read == ledger.accepted + ledger.duplicates + ledger.quarantined == 8
    assert (ledger.status, ledger.blank_lines) == ("complete", 1)
    assert [tuple(r) for r in reasons] == [
        (6, "bad_json"), (8, "conflicting_duplicate"), (9, "missing_field:session_id")
    ]
    assert _count(warehouse_engine, raw_events) == 4


def test_ingesting_the_same_file_twice_changes_nothing(warehouse_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(_mixed_lines())
    ingest_path(warehouse_engine, path)
    second = ingest_path(warehouse_engine, path)
    assert second.skipped_unchanged
    assert _count(warehouse_engine, raw_events) == 4
    assert _count(warehouse_engine, quarantined_events) == 3
    assert _count(warehouse_engine, ingestion_ledger) == 1


def test_the_same_events_under_another_name_are_all_duplicates(warehouse_engine: Engine, tmp_path: Path) -> None:
    events = [response(f"r{i}", "2026-01-05T10:00:00Z") for i in range(3)]
    ingest_path(warehouse_engine, write_jsonl(tmp_path / "a.jsonl", events))
    again = ingest_path(warehouse_engine, write_jsonl(tmp_path / "b.jsonl", list(reversed(events))))
    assert (again.lines_read, again.accepted, again.duplicates) == (3, 0, 3)


def test_an_appended_file_only_reads_and_adds_its_new_lines(warehouse_engine: Engine, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "log.jsonl", [response("r1", "2026-01-05T10:00:00Z"), response("r2", "2026-01-05T10:01:00Z")])
    ingest_path(warehouse_engine, path)
    with path.open("ab") as stream:
        stream.write(jsonl_bytes([response("r3", "2026-01-05T10:02:00Z"), {"event_id": "bad"}]))
    result = ingest_path(warehouse_engine, path)
    # Only the 2 appended lines are read: r3 accepted, the bad one quarantined at line 4.
    assert (result.lines_read, result.accepted, result.duplicates, result.quarantined) == (2, 1, 0, 1)
    with warehouse_engine.connect() as connection:
        location = connection.execute(select(quarantined_events.c.location)).scalar_one()
    assert location == 4


def test_a_rewritten_file_only_adds_its_new_events(warehouse_engine: Engine, tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "log.jsonl", [response("r1", "2026-01-05T10:00:00Z"), response("r2", "2026-01-05T10:01:00Z")])
    ingest_path(warehouse_engine, path)
    write_jsonl(path, [response("r0", "2026-01-05T09:59:00Z"), response("r1", "2026-01-05T10:00:00Z"), response("r2", "2026-01-05T10:01:00Z")])
    result = ingest_path(warehouse_engine, path)
    assert (result.lines_read, result.accepted, result.duplicates) == (3, 1, 2)
    assert _count(warehouse_engine, raw_events) == 3


def test_gzip_files_are_read_by_content(warehouse_engine: Engine, tmp_path: Path) -> None:
    events = [response("r1", "2026-01-05T10:00:00Z"), user_message("u1", "2026-01-05T10:00:05Z")]
    path = tmp_path / "events.jsonl.gz"
    path.write_bytes(gzip.compress(jsonl_bytes(events) + b"{oops\n"))
    result = ingest_path(warehouse_engine, path)
    assert (result.lines_read, result.accepted, result.quarantined) == (3, 2, 1)


def test_non_utf8_bytes_are_quarantined_and_kept_readable(warehouse_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "latin1.jsonl"
    path.write_bytes(b'{"event_id":"x","event_type":"user_message","ts":"2026-01-05T10:00:00Z","session_id":"caf\xe9","turn":1}\n')
    result = ingest_path(warehouse_engine, path)
    assert (result.accepted, result.quarantined) == (0, 1)
    with warehouse_engine.connect() as connection:
        row = connection.execute(select(quarantined_events)).one()
    assert row.reason == "not_utf8"
    assert "caf\ufffd" in row.raw_text


def test_timestamps_are_stored_in_utc(warehouse_engine: Engine, tmp_path: Path) -> None:
    ingest_path(warehouse_engine, write_jsonl(tmp_path / "e.jsonl", [response("r1", "2026-01-05T12:30:00+02:00")]))
    with warehouse_engine.connect() as connection:
        row = connection.execute(select(raw_events.c.ts, raw_events.c.ts_epoch)).one()
    assert row.ts.isoformat() == "2026-01-05T10:30:00"
    assert row.ts_epoch == 1767609000.0  # 2026-01-05T10:30:00Z


def test_a_late_review_touches_the_hour_of_the_response_it_reviews(
    warehouse_engine: Engine, tmp_path: Path
) -> None:
    ingest_path(warehouse_engine, write_jsonl(tmp_path / "a.jsonl", [response("r1", "2026-01-05T10:15:00Z")]))
    late = ingest_path(warehouse_engine, write_jsonl(tmp_path / "b.jsonl", [review("v1", "2026-01-07T08:00:00Z", "r1")]))
    hours = sorted(h.isoformat() for h in late.hours_touched)
    # Only the reviewed response's hour (10:00 on the 5th), as a verdict for that hour; the
    # review's own hour (2026-01-07 08:00) holds no figure it changes.
    assert hours == ["2026-01-05T10:00:00"]
    with warehouse_engine.connect() as connection:
        event_hours = connection.execute(select(raw_event_hours).order_by(raw_event_hours.c.hour)).all()
        verdict_hours = connection.execute(select(review_hours)).all()
    assert [(r.hour.isoformat(), r.n_events) for r in event_hours] == [("2026-01-05T10:00:00", 1)]
    assert [(r.hour.isoformat(), r.n_reviews, r.last_ingest_id) for r in verdict_hours] == [
        ("2026-01-05T10:00:00", 1, late.ingest_id),
    ]


def test_two_arrival_orders_give_the_same_raw_events(tmp_path: Path, warehouse_url: str) -> None:
    from agent_monitor.lib.warehouse.open import open_warehouse

    events = [
        response("r1", "2026-01-05T10:00:00Z", confidence=0.8, flags=["hallucination_x"], decision={"name": "refund", "value": {"b": 1, "a": 2}, "path": "approval"}),
        response("r2", "2026-01-05T11:00:00Z", top_logprobs=[[-0.6931471805599453, -0.6931471805599453]]),
        user_message("u1", "2026-01-05T10:00:01Z", facts_provided=["order:W1"]),
        review("v1", "2026-01-06T10:00:00Z", "r1", "incorrect"),
    ]
    files = [write_jsonl(tmp_path / f"part{i}.jsonl", [event]) for i, event in enumerate(events)]
    tables = []
    for order, name in ((files, "forward"), (list(reversed(files)), "backward")):
        url = warehouse_url if name == "forward" else f"sqlite:///{tmp_path / 'backward.db'}"
        engine = open_warehouse(url)
        for path in order:
            ingest_path(engine, path)
        with engine.connect() as connection:
            rows = connection.execute(select(*CONTENT_COLUMNS).order_by(raw_events.c.event_id)).all()
        tables.append([tuple(row) for row in rows])
        engine.dispose()
    assert tables[0] == tables[1]
    assert len(tables[0]) == 4
