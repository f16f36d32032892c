"""One bad line never stops a file (SPEC §8): values no column can hold, nesting, refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select, text

from agent_monitor.lib.ingest import fields
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.warehouse.tables_raw import ingestion_ledger, quarantined_events, raw_events

HEAD = b'{"event_id":"%s","event_type":"agent_response","ts":"2026-01-05T10:00:00Z","agent_id":"a","session_id":"s","turn":1'
STEP = (
    b'{"event_id":"%s","event_type":"workflow_step","ts":"2026-01-05T10:00:00Z","workflow_id":"w",'
    b'"workflow_run_id":"r","step_id":"s1","agent_id":"a","status":"succeeded"'
)


def good(n: int) -> bytes:
    return HEAD % f"good{n}".encode() + b"}"


BAD_LINES = [
    # An offset that pushes the instant past 9999-12-31 or before 0001-01-01 in UTC.
    (HEAD.replace(b"2026-01-05T10:00:00Z", b"9999-12-31T23:30:00-05:00") % b"x1" + b"}", "out_of_range:ts"),
    (STEP % b"x2" + b',"started_at":"0001-01-01T00:30:00+05:00"}', "out_of_range:started_at"),
    # An array nested 500 deep: decodable, but no canonical encoding or JSONB can hold it.
    (HEAD % b"x3" + b',"extra":' + b"[" * 500 + b"]" * 500 + b"}", "too_deep"),
    # Deeper than the decoder itself goes.
    (HEAD % b"x4" + b',"extra":' + b"[" * 2000 + b"]" * 2000 + b"}", "too_deep"),
    (HEAD % b"x5" + b',"input_tokens":9223372036854775808}', "out_of_range:input_tokens"),
    (HEAD.replace(b'"turn":1', b'"turn":2147483648') % b"x6" + b"}", "out_of_range:turn"),
    (HEAD % b"x7" + b',"shadow_of":"' + b"s" * 129 + b'"}', "out_of_range:shadow_of"),
    (
        b'{"event_id":"x8","event_type":"review","ts":"2026-01-05T10:00:00Z","verdict":"correct",'
        b'"target_event_id":"' + b"t" * 129 + b'"}',
        "out_of_range:target_event_id",
    ),
]


@pytest.mark.parametrize(("line", "reason"), BAD_LINES, ids=[r + str(i) for i, (_, r) in enumerate(BAD_LINES)])
def test_a_line_no_column_can_hold_is_quarantined_and_the_file_goes_on(
    warehouse_engine: Engine, tmp_path: Path, line: bytes, reason: str
) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(good(1) + b"\n" + line + b"\n" + good(2) + b"\n")
    result = ingest_path(warehouse_engine, path)
    assert (result.lines_read, result.accepted, result.duplicates, result.quarantined) == (3, 2, 0, 1)
    with warehouse_engine.connect() as connection:
        rows = connection.execute(select(quarantined_events.c.reason, quarantined_events.c.location)).all()
        ids = connection.execute(select(raw_events.c.event_id).order_by(raw_events.c.event_id)).scalars().all()
        ledger = connection.execute(select(ingestion_ledger)).one()
    assert [tuple(r) for r in rows] == [(reason, 2)]
    assert ids == ["good1", "good2"]
    assert (ledger.status, ledger.lines_read, ledger.accepted, ledger.quarantined) == ("complete", 3, 2, 1)


def test_the_largest_values_the_columns_hold_are_accepted(warehouse_engine: Engine, tmp_path: Path) -> None:
    path = tmp_path / "events.jsonl"
    line = (
        HEAD.replace(b'"turn":1', b'"turn":2147483647') % b"big"
        + b',"input_tokens":9223372036854775807,"shadow_of":"' + b"s" * 128 + b'"}'
    )
    path.write_bytes(line + b"\n")
    result = ingest_path(warehouse_engine, path)
    assert (result.accepted, result.quarantined) == (1, 0)
    with warehouse_engine.connect() as connection:
        row = connection.execute(select(raw_events.c.turn, raw_events.c.input_tokens)).one()
    assert tuple(row) == (2**31 - 1, 2**63 - 1)


def _refuse_agent(engine: Engine, agent: str) -> None:
    """A constraint the validator does not know: the database alone refuses the value."""
    with engine.begin() as connection:
        if engine.dialect.name == "postgresql":
            connection.execute(text(f"ALTER TABLE raw_events ADD CONSTRAINT no_agent CHECK (agent_id <> '{agent}')"))
        else:
            connection.execute(text(
                "CREATE TRIGGER no_agent BEFORE INSERT ON raw_events "
                f"WHEN NEW.agent_id = '{agent}' BEGIN SELECT RAISE(ABORT, 'agent refused'); END"
            ))


def test_a_batch_the_database_refuses_is_split_until_the_refused_line_is_found(
    warehouse_engine: Engine, tmp_path: Path
) -> None:
    _refuse_agent(warehouse_engine, "refused")
    lines = [good(n) for n in range(1, 101)]
    lines[36] = HEAD.replace(b'"agent_id":"a"', b'"agent_id":"refused"') % b"bad37" + b"}"
    lines[81] = HEAD.replace(b'"agent_id":"a"', b'"agent_id":"refused"') % b"bad82" + b"}"
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    result = ingest_path(warehouse_engine, path, batch_size=40)
    assert (result.lines_read, result.accepted, result.duplicates, result.quarantined) == (100, 98, 0, 2)
    with warehouse_engine.connect() as connection:
        rows = connection.execute(
            select(quarantined_events.c.reason, quarantined_events.c.location).order_by(quarantined_events.c.location)
        ).all()
        n_events = connection.execute(select(func.count()).select_from(raw_events)).scalar_one()
        ledger = connection.execute(select(ingestion_ledger)).one()
    assert [tuple(r) for r in rows] == [("rejected:event", 37), ("rejected:event", 82)]
    assert n_events == 98
    assert (ledger.lines_read, ledger.accepted, ledger.duplicates, ledger.quarantined) == (100, 98, 0, 2)
    # Delivered again: every line is a duplicate, nothing new is stored.
    copy = tmp_path / "copy.jsonl"
    copy.write_bytes(path.read_bytes())
    again = ingest_path(warehouse_engine, copy)
    assert (again.lines_read, again.accepted, again.duplicates, again.quarantined) == (100, 0, 100, 0)


@pytest.mark.postgres
def test_postgresql_names_the_column_it_refused(postgres_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from agent_monitor.lib.warehouse.open import open_warehouse

    # Let a token count past the bigint range through validation, so PostgreSQL refuses it.
    monkeypatch.setattr(fields, "MAX_BIGINT", 2**64)
    engine = open_warehouse(postgres_url)
    path = tmp_path / "events.jsonl"
    path.write_bytes(good(1) + b"\n" + HEAD % b"huge" + b',"output_tokens":9223372036854775808}\n' + good(2) + b"\n")
    result = ingest_path(engine, path)
    assert (result.accepted, result.quarantined) == (2, 1)
    with engine.connect() as connection:
        row = connection.execute(select(quarantined_events.c.reason, quarantined_events.c.location)).one()
    assert tuple(row) == ("rejected:output_tokens", 2)
    engine.dispose()
