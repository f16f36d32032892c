"""Bulk writes store exactly what a SQLAlchemy insert of the same rows stores."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Engine, select

from agent_monitor.lib.ingest.store import refresh_statistics
from agent_monitor.lib.warehouse import bulk
from agent_monitor.lib.warehouse.tables_raw import raw_events


def _row(event_id: str, **fields: Any) -> dict[str, Any]:
    return {"event_id": event_id, "event_type": "agent_response", "ts": datetime(2026, 1, 5, 10, 0, 0),
            "ts_epoch": 1767607200.0, "schema_version": 1, "content_hash": "h", "ingest_id": 1, **fields}


ROWS = [
    # COPY's text format escapes these four characters; they must come back unchanged.
    _row("tricky", text="tab\there\nnew line \\ back\r", agent_id="a\\b",
         attributes={"note": "x\ty\\z\"q\né"}, flags=["hallucination\tx"], has_hallucination_flag=True),
    # None in JSON columns, a boolean False, a whole-second timestamp, an empty string.
    _row("plain", agent_id="", has_hallucination_flag=False, confidence=0.25, turn=3,
         started_at=datetime(2026, 1, 5, 9, 59, 59)),
]


def test_bulk_rows_read_back_like_sqlalchemy_inserted_rows(warehouse_engine: Engine) -> None:
    with warehouse_engine.begin() as connection:
        bulk.insert_rows(connection, raw_events, ROWS)  # COPY on PostgreSQL, executemany on SQLite
        bulk_rows = connection.execute(select(raw_events).order_by(raw_events.c.event_id)).all()
        connection.execute(raw_events.delete())
        connection.execute(raw_events.insert(), [{c.name: r.get(c.name) for c in raw_events.columns} for r in ROWS])
        plain_rows = connection.execute(select(raw_events).order_by(raw_events.c.event_id)).all()
        # Raw stored text too, so SQL over JSON columns sees the same values (JSON null, not NULL).
        raw_sql = "SELECT event_id, flags, attributes, ts, started_at FROM raw_events ORDER BY event_id"
        plain_raw = connection.exec_driver_sql(raw_sql).all()
        connection.execute(raw_events.delete())
        bulk.insert_rows(connection, raw_events, ROWS)  # COPY on PostgreSQL, executemany on SQLite
        bulk_raw = connection.exec_driver_sql(raw_sql).all()
    assert bulk_rows == plain_rows
    assert bulk_raw == plain_raw
    tricky = next(r for r in bulk_rows if r.event_id == "tricky")
    assert tricky.text == "tab\there\nnew line \\ back\r"
    assert tricky.attributes == {"note": "x\ty\\z\"q\né"}
    plain = next(r for r in bulk_rows if r.event_id == "plain")
    assert (plain.agent_id, plain.has_hallucination_flag, plain.flags) == ("", False, None)


def test_statistics_are_refreshed_after_a_large_ingestion_on_postgres(warehouse_engine: Engine) -> None:
    with warehouse_engine.begin() as connection:
        bulk.insert_rows(connection, raw_events, ROWS)  # COPY on PostgreSQL, executemany on SQLite
    with warehouse_engine.begin() as connection:
        # 9,999 accepted events is below the 10,000 threshold: nothing runs.
        assert not refresh_statistics(connection, 9_999)
        ran = refresh_statistics(connection, 10_000)
        assert ran == (connection.dialect.name == "postgresql")
        if ran:
            # ANALYZE counted the 2 rows (a never-analyzed table reports -1).
            reltuples = connection.exec_driver_sql(
                "SELECT reltuples FROM pg_class WHERE oid = 'raw_events'::regclass"
            ).scalar_one()
            assert reltuples == 2


def test_an_empty_batch_writes_nothing(warehouse_engine: Engine) -> None:
    with warehouse_engine.begin() as connection:
        bulk.copy_rows(connection, raw_events, []) if connection.dialect.name == "postgresql" else (
            bulk.executemany_rows(connection, raw_events, []))
        assert connection.execute(select(raw_events.c.event_id)).all() == []


def test_rollup_rows_with_numpy_and_decimal_numbers_are_stored_as_the_column_types(warehouse_engine: Engine) -> None:
    from decimal import Decimal

    import numpy as np

    from agent_monitor.lib.warehouse.tables_metrics import decision_consistency_hourly as table

    row = {"hour": datetime(2026, 1, 5, 10), "agent_id": "a", "decision_name": "refund", "decision_path": "approval",
           "n_shadow_pairs": np.int64(4), "n_shadow_disagreements": Decimal(1),
           "disagreement_rate": np.float64(0.25), "n_repeated_groups": 0, "n_repeated_responses": 0,
           "n_repeated_agreeing": 0, "built_at": datetime(2026, 1, 5, 11),
           "not_a_column": "ignored"}
    with warehouse_engine.begin() as connection:
        bulk.insert_rows(connection, table, [row])
        stored = connection.execute(select(table)).one()._mapping
    # 4 pairs, 1 disagreement, rate 1/4 — as plain Python numbers.
    assert (stored["n_shadow_pairs"], stored["n_shadow_disagreements"]) == (4, 1)
    assert type(stored["n_shadow_pairs"]) is int
    assert stored["disagreement_rate"] == 0.25 and type(stored["disagreement_rate"]) is float
