"""A fuzz file of mutated lines: exactly the valid events accepted, every other line quarantined."""

from __future__ import annotations

import gzip
from collections import Counter
from pathlib import Path

from sqlalchemy import Engine, func, select

from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.warehouse.tables_raw import ingestion_ledger, quarantined_events, raw_events
from agent_monitor_tests.lib.ingest.fuzz import BY_KIND, COMMON, generate


def _tables(engine: Engine) -> tuple[list[str], list[tuple[int, str]]]:
    with engine.connect() as connection:
        ids = connection.execute(select(raw_events.c.event_id).order_by(raw_events.c.event_id)).scalars().all()
        quarantine = connection.execute(
            select(quarantined_events.c.location, quarantined_events.c.reason).order_by(quarantined_events.c.location)
        ).all()
    return list(ids), [tuple(row) for row in quarantine]  # type: ignore[misc]


def test_the_generator_covers_every_class_with_enough_lines() -> None:
    lines = generate()
    outcomes = Counter(line.outcome for line in lines)
    assert len(lines) >= 300
    assert outcomes["accept"] >= 100 and outcomes["duplicate"] >= 1
    for reason in ("bad_json", "not_utf8", "too_deep", "line_too_long", "conflicting_duplicate",
                   "unknown_event_type", "out_of_range:ts", "out_of_range:started_at", "out_of_range:turn",
                   "out_of_range:input_tokens", "out_of_range:shadow_of", "out_of_range:target_event_id",
                   "bad_type:ts", "missing_field:event_id"):
        assert outcomes[reason] >= 1, reason
    assert len(COMMON) + sum(map(len, BY_KIND.values())) < len(lines)


def test_a_fuzz_file_is_ingested_exactly_and_a_re_delivery_changes_nothing(
    warehouse_engine: Engine, tmp_path: Path
) -> None:
    lines = generate()
    data = b"\xef\xbb\xbf" + b"\n".join(line.raw for line in lines) + b"\n"
    path = tmp_path / "fuzz.jsonl"
    path.write_bytes(data)
    result = ingest_path(warehouse_engine, path, batch_size=37)

    accepted_ids = sorted(line.event_id for line in lines if line.outcome == "accept")
    bad = [(i, line.outcome) for i, line in enumerate(lines, start=1) if line.outcome not in ("accept", "duplicate")]
    n_duplicates = sum(line.outcome == "duplicate" for line in lines)
    assert result.source_format == "jsonl"
    assert (result.lines_read, result.accepted, result.duplicates, result.quarantined) == (
        len(lines), len(accepted_ids), n_duplicates, len(bad)
    )
    ids, quarantine = _tables(warehouse_engine)
    assert ids == accepted_ids
    assert quarantine == bad
    with warehouse_engine.connect() as connection:
        ledger = connection.execute(select(ingestion_ledger)).one()
    assert ledger.status == "complete"
    assert ledger.lines_read == ledger.accepted + ledger.duplicates + ledger.quarantined == len(lines)

    plain = tmp_path / "again.jsonl"
    plain.write_bytes(data)
    packed = tmp_path / "again.jsonl.gz"
    packed.write_bytes(gzip.compress(data))
    for copy in (plain, packed):
        again = ingest_path(warehouse_engine, copy)
        assert (again.lines_read, again.accepted, again.duplicates, again.quarantined) == (len(lines), 0, len(lines), 0)
    assert _tables(warehouse_engine) == (accepted_ids, bad)
    with warehouse_engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(ingestion_ledger)).scalar_one() == 3
