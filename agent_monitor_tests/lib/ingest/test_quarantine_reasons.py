"""Every SPEC §1 quarantine reason, each from a hand-made bad line."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, select

from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.warehouse.tables_raw import quarantined_events, raw_events

GOOD = b'{"event_id":"e1","event_type":"agent_response","ts":"2026-01-05T10:00:00Z","agent_id":"a","session_id":"s","turn":1}'

BAD_LINES = [
    (b'{"event_id": "x1", "event_type": ', "bad_json"),
    (b"[1, 2, 3]", "bad_json"),
    (b'{"event_id":"x2","event_type":"review","ts":"2026-01-05T10:00:00Z","target_event_id":"e1","verdict":"caf\xe9"}', "not_utf8"),
    (b'{"event_type":"user_message","ts":"2026-01-05T10:00:00Z","session_id":"s","turn":1}', "missing_field:event_id"),
    (b'{"event_id":"x3","event_type":"agent_response","ts":"2026-01-05T10:00:00Z","session_id":"s","turn":1}', "missing_field:agent_id"),
    (b'{"event_id":"x4","event_type":"review","ts":"2026-01-05T10:00:00Z","verdict":"correct"}', "missing_field:target_event_id"),
    (b'{"event_id":"x5","event_type":"user_message","ts":"yesterday","session_id":"s","turn":1}', "bad_type:ts"),
    (b'{"event_id":"x6","event_type":"user_message","ts":"2026-01-05T10:00:00","session_id":"s","turn":1}', "bad_type:ts"),
    (b'{"event_id":"x7","event_type":"user_message","ts":"2026-01-05T10:00:00Z","session_id":"s","turn":"3"}', "bad_type:turn"),
    (b'{"event_id":"x8","event_type":"agent_response","ts":"2026-01-05T10:00:00Z","agent_id":"a","session_id":"s","turn":1,"confidence":"high"}', "bad_type:confidence"),
    (b'{"event_id":"x9","event_type":"agent_response","ts":"2026-01-05T10:00:00Z","agent_id":"a","session_id":"s","turn":1,"confidence":1.5}', "out_of_range:confidence"),
    (b'{"event_id":"x10","event_type":"user_message","ts":"2026-01-05T10:00:00Z","session_id":"s","turn":0}', "out_of_range:turn"),
    (b'{"event_id":"x11","event_type":"agent_response","ts":"2026-01-05T10:00:00Z","agent_id":"a","session_id":"s","turn":1,"token_logprobs":[-0.1,0.3]}', "out_of_range:token_logprobs"),
    (b'{"event_id":"x12","event_type":"workflow_step","ts":"2026-01-05T10:00:00Z","workflow_id":"w","workflow_run_id":"r","step_id":"s1","agent_id":"a","status":"exploded"}', "out_of_range:status"),
    (b'{"event_id":"x13","event_type":"escalation","ts":"2026-01-05T10:00:00Z","session_id":"s","kind":"handoff_request","flags":"x"}', None),
    (b'{"event_id":"x14","event_type":"heartbeat","ts":"2026-01-05T10:00:00Z"}', "unknown_event_type"),
    (b'{"event_id":"' + b"x" * 129 + b'","event_type":"user_message","ts":"2026-01-05T10:00:00Z","session_id":"s","turn":1}', "out_of_range:event_id"),
    (b'{"event_id":"e1","event_type":"agent_response","ts":"2026-01-05T10:00:00Z","agent_id":"b","session_id":"s","turn":1}', "conflicting_duplicate"),
]


@pytest.mark.parametrize(("line", "reason"), BAD_LINES, ids=[r or "unknown-field-kept" for _, r in BAD_LINES])
def test_each_bad_line_is_quarantined_with_its_reason(
    warehouse_engine: Engine, tmp_path: Path, line: bytes, reason: str | None
) -> None:
    # Line 1 is a good event; line 2 is the bad one under test.
    path = tmp_path / "events.jsonl"
    path.write_bytes(GOOD + b"\n" + line + b"\n")
    result = ingest_path(warehouse_engine, path)
    with warehouse_engine.connect() as connection:
        quarantined = connection.execute(select(quarantined_events)).all()
    if reason is None:
        # `flags` is not a field of escalation, so it is an unknown field, kept in attributes.
        assert (result.accepted, result.quarantined) == (2, 0)
        return
    assert (result.lines_read, result.accepted, result.quarantined) == (2, 1, 1)
    assert [(q.reason, q.location, q.source) for q in quarantined] == [(reason, 2, str(path))]
    assert quarantined[0].raw_text.startswith("{") or reason == "bad_json"


def test_a_10_mb_single_line_is_quarantined_as_too_long_without_holding_it(
    warehouse_engine: Engine, tmp_path: Path
) -> None:
    path = tmp_path / "big.jsonl"
    padding = b"a" * (10 * 1024 * 1024)
    path.write_bytes(GOOD + b"\n" + b'{"event_id":"big","pad":"' + padding + b'"}\n' + GOOD.replace(b'"e1"', b'"e2"') + b"\n")
    result = ingest_path(warehouse_engine, path)
    assert (result.lines_read, result.accepted, result.quarantined) == (3, 2, 1)
    with warehouse_engine.connect() as connection:
        row = connection.execute(select(quarantined_events)).one()
    assert (row.reason, row.location) == ("line_too_long", 2)
    # The stored raw text is the first 64 KiB of the line, not the whole 10 MB.
    assert len(row.raw_text) == 64 * 1024
    assert "10485787 bytes" in row.detail  # 25-byte prefix + 10 MiB + 2 closing bytes


def test_unknown_fields_are_kept_in_attributes(warehouse_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(GOOD[:-1] + b',"region":"eu-west","cost_usd":0.0031}\n')
    ingest_path(warehouse_engine, path)
    with warehouse_engine.connect() as connection:
        row = connection.execute(select(raw_events.c.attributes)).one()
    assert row.attributes == {"region": "eu-west", "cost_usd": 0.0031}
