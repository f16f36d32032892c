"""M6's reduced outcomes (sql/metrics/recovery_outcomes.sql) against the rule worked in Python,
and M6 per hour from them against the replay of every outcome, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.rollup.recovery import m6_by_hour
from agent_monitor.lib.rollup.sql import run_query
from agent_monitor.lib.rollup.window import HOUR
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor_tests.events import response, write_jsonl
from agent_monitor_tests.lib.rollup.m6_reference import T0, full_replay, generated_events, reference_reduction, step


@pytest.fixture
def loaded(warehouse_url: str, tmp_path: Path) -> Iterator[tuple[Any, list[dict[str, Any]]]]:
    engine = open_warehouse(warehouse_url)
    events = generated_events()
    ingest_path(engine, write_jsonl(tmp_path / "e.jsonl", events))
    yield engine, events
    engine.dispose()


def test_reduced_outcomes_follow_the_rule_on_generated_data(loaded: Any) -> None:
    engine, events = loaded
    start, end = T0, T0 + 4 * HOUR
    with engine.connect() as connection:
        rows = run_query(connection, "recovery_outcomes", start, end)
    got = sorted((str(r["agent_id"]), float(r["ts_epoch"]), str(r["event_id"]), str(r["kind"]), int(r["success"]))
                 for r in rows)
    want = reference_reduction(events, start, end)
    assert len(want) > 200 and sum(1 for w in want if not w[4]) > 50
    assert got == want


def test_m6_from_reduced_outcomes_equals_the_replay_of_every_outcome(loaded: Any) -> None:
    engine, events = loaded
    start, end = T0, T0 + 4 * HOUR
    with engine.connect() as connection:
        found = m6_by_hour(connection, start, end, end + HOUR)
    got = {k: (v.n_recovered, v.recovery_s_sum, v.open_age_s, v.open_since_epoch) for k, v in found.items()}
    want = full_replay(events, start, end)
    assert sum(v[0] for v in want.values()) > 20
    assert got.keys() == want.keys()
    for key, value in want.items():
        assert got[key][0] == value[0] and got[key][3] == value[3], key
        assert got[key][1] == pytest.approx(value[1]) and got[key][2] == pytest.approx(value[2]), key


def test_reduced_outcomes_by_hand(warehouse_url: str, tmp_path: Path) -> None:
    engine = open_warehouse(warehouse_url)
    at = "2026-01-05T10:00:{:02d}Z"
    events = [
        response("r1", at.format(1)), response("r2", at.format(2)), response("r3", at.format(3)),
        response("r4", at.format(4)),                                  # 4th success of the hour: dropped
        step("s1", at.format(5), "billing", "succeeded"),             # 1st step success: kept
        step("sf", at.format(6), "billing", "failed"),                # failure: kept
        response("r5", at.format(7)), response("r6", at.format(8)), response("r7", at.format(9)),
        response("r8", at.format(10)),                                 # 4 responses after a step failure: kept
        response("r9", at.format(11)),                                 # the 5th: dropped
        step("s2", at.format(12), "billing", "succeeded"), step("s3", at.format(13), "billing", "succeeded"),
        step("s4", at.format(14), "billing", "succeeded"),            # steps 2–4 of the step segment: kept
        step("s5", at.format(15), "billing", "succeeded"),            # the 5th step row: dropped
    ]
    ingest_path(engine, write_jsonl(tmp_path / "e.jsonl", events))
    with engine.connect() as connection:
        rows = run_query(connection, "recovery_outcomes", datetime(2026, 1, 5, 10), datetime(2026, 1, 5, 11))
    assert [r["event_id"] for r in rows] == ["r1", "r2", "r3", "s1", "sf", "r5", "r6", "r7", "r8", "s2", "s3", "s4"]
    engine.dispose()
