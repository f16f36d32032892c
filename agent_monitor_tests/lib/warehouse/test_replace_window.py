"""replace_window rewrites a window's rows of a per-hour table in bulk: the rows read back
are the rows given, a rebuild never appends twice, and a row with a key the table lacks is
refused before anything is deleted."""

from __future__ import annotations

from datetime import datetime

import pytest
from sqlalchemy import Engine, select

from agent_monitor.lib.warehouse.replace import replace_window
from agent_monitor.lib.warehouse.tables_health import agent_health

HOUR = datetime(2026, 1, 5, 10)
NEXT = datetime(2026, 1, 5, 11)


def _row(hour: datetime, rule: str, value: float | None, reason: str) -> dict:
    return {"hour": hour, "agent_id": "billing", "rule": rule, "scope": "", "status": "ok", "severity": None,
            "value": value, "threshold": 0.3, "direction": "above", "n_samples": 40, "min_samples": 20,
            "hours_to_breach": None, "reason": reason, "as_of": hour, "built_at": NEXT}


def _stored(engine: Engine) -> list[tuple]:
    with engine.connect() as connection:
        return [tuple(r) for r in connection.execute(
            select(agent_health.c.hour, agent_health.c.rule, agent_health.c.value, agent_health.c.reason)
            .order_by(agent_health.c.hour, agent_health.c.rule))]


def test_a_window_is_rewritten_not_appended(warehouse_engine: Engine) -> None:
    # A reason with a tab, a newline and a backslash: the bulk path's escaping.
    first = [_row(HOUR, "m4_hallucination_rate", 0.125, "tab\there\nnew \\ line"),
             _row(NEXT, "m4_hallucination_rate", 0.5, "next hour")]
    with warehouse_engine.begin() as connection:
        assert replace_window(connection, agent_health, "hour", HOUR, NEXT + (NEXT - HOUR), first) == 2
    with warehouse_engine.begin() as connection:
        replace_window(connection, agent_health, "hour", HOUR, NEXT, [_row(HOUR, "m7_escalation_rate", None, "again")])
    assert _stored(warehouse_engine) == [
        (HOUR, "m7_escalation_rate", None, "again"),
        (NEXT, "m4_hallucination_rate", 0.5, "next hour"),
    ]


def test_a_key_the_table_lacks_is_refused_before_anything_is_deleted(warehouse_engine: Engine) -> None:
    with warehouse_engine.begin() as connection:
        replace_window(connection, agent_health, "hour", HOUR, NEXT, [_row(HOUR, "m4_hallucination_rate", 0.1, "kept")])
    with pytest.raises(ValueError, match="agent_health has no column.s. colour"), warehouse_engine.begin() as connection:
        replace_window(connection, agent_health, "hour", HOUR, NEXT,
                       [{**_row(HOUR, "m4_hallucination_rate", 0.2, "new"), "colour": "red"}])
    assert _stored(warehouse_engine) == [(HOUR, "m4_hallucination_rate", 0.1, "kept")]
