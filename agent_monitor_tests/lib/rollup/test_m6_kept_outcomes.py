"""M6 read through the reduced outcomes earlier builds kept (lib/rollup/recovery_state.py) equals
M6 replayed from every outcome, hour after hour and after late data, on SQLite and PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.rollup import build_agent_metrics, recovery_state
from agent_monitor.lib.rollup.window import HOUR, LOOKBACK, epoch
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor.lib.warehouse.tables_metrics import m6_hour_outcomes, m6_hours_read
from agent_monitor_tests.events import write_jsonl
from agent_monitor_tests.lib.rollup.m6_reference import T0, full_replay, generated_events, iso, step

AS_OF = T0 + 24 * HOUR


def m6_of(rows: list[dict[str, Any]]) -> dict[tuple[datetime, str], tuple]:
    return {
        (r["hour"], r["agent_id"]): (
            r["n_incidents_recovered"], r["m6_recovery_seconds_sum"], r.get("m6_open_incident_age_seconds"),
            epoch(r["m6_open_incident_opened_at"]) if r.get("m6_open_incident_opened_at") else None)
        for r in rows if r["agent_version"] == "" and r.get("n_incidents_recovered") is not None
    }


def assert_same(got: dict, want: dict) -> None:
    assert got.keys() == want.keys()
    for key, value in want.items():
        assert got[key][0] == value[0] and got[key][3] == value[3], key
        assert got[key][1] == pytest.approx(value[1]) and got[key][2] == pytest.approx(value[2]), key


@pytest.fixture
def spied(warehouse_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[tuple[Any, list]]:
    """An engine and the [start, end) ranges M6 reads from raw_events."""
    engine = open_warehouse(warehouse_url)
    reads: list[tuple[datetime, datetime]] = []
    original = recovery_state.raw_outcomes

    def recording(connection: Any, start: datetime, end: datetime) -> list[dict[str, Any]]:
        reads.append((start, end))
        return original(connection, start, end)

    monkeypatch.setattr(recovery_state, "raw_outcomes", recording)
    yield engine, reads
    engine.dispose()


def test_kept_outcomes_give_the_full_replay_hour_after_hour_and_after_late_data(spied: Any, tmp_path: Path) -> None:
    engine, reads = spied
    events = generated_events()
    ingest_path(engine, write_jsonl(tmp_path / "e.jsonl", events))
    h9, h10, h11 = T0 + HOUR, T0 + 2 * HOUR, T0 + 3 * HOUR
    for hour in (T0, h9, h10):
        build_agent_metrics(engine, hour, hour + HOUR, AS_OF)
    with engine.connect() as connection:
        marks = dict(connection.execute(select(m6_hours_read.c.hour, m6_hours_read.c.ingest_mark)).all())
        n_kept = len(connection.execute(select(m6_hour_outcomes.c.event_id)).all())
    assert sorted(marks) == [T0, h9, h10] and n_kept > 100

    # Hour 11 reads from raw_events only itself and the hours before 08:00, which have no
    # events (no ingestion mark, so nothing kept can vouch for them): its look-back's
    # outcomes come from the kept rows.
    empty = (h11 - LOOKBACK, T0)
    reads.clear()
    before = m6_of(build_agent_metrics(engine, h11, h11 + HOUR, AS_OF))
    assert reads == [empty, (h11, h11 + HOUR)]
    assert_same(before, full_replay(events, h11, h11 + HOUR))

    # Late data of hour 10 (a failed step of a new agent at 10:30, mended by three succeeded
    # steps in hour 11) moves hour 10's mark: hour 11, rebuilt before hour 10 is, reads hour 10
    # from raw_events again and counts the incident (recovered 11:10 − 10:30 = 2,400 s).
    late = [step("late-f", "2026-01-05T10:30:00.000000Z", "audit", "failed"),
            *(step(f"late-{i}", f"2026-01-05T11:1{i}:00.000000Z", "audit", "succeeded") for i in range(3))]
    ingest_path(engine, write_jsonl(tmp_path / "late.jsonl", late))
    reads.clear()
    after = m6_of(build_agent_metrics(engine, h11, h11 + HOUR, AS_OF))
    assert reads == [empty, (h10, h11), (h11, h11 + HOUR)]
    assert after[(h11, "audit")] == (1, 2400.0, None, None)
    assert {k: v for k, v in after.items() if k[1] != "audit"} == before
    assert_same(after, full_replay(events + late, h11, h11 + HOUR))

    # Once hour 10 is rebuilt its kept rows are current again, with the same result.
    build_agent_metrics(engine, h10, h11, AS_OF)
    reads.clear()
    again = m6_of(build_agent_metrics(engine, h11, h11 + HOUR, AS_OF))
    assert reads == [empty, (h11, h11 + HOUR)]
    assert_same(again, full_replay(events + late, h11, h11 + HOUR))


def test_a_backfill_keeps_every_hour_and_a_filling_hour_is_not_kept(spied: Any, tmp_path: Path) -> None:
    engine, reads = spied
    events = generated_events(seed=11)
    ingest_path(engine, write_jsonl(tmp_path / "e.jsonl", events))
    end, as_of = T0 + 4 * HOUR, T0.replace(hour=11, minute=30)  # 11:30: inside the last hour
    rows = build_agent_metrics(engine, T0, end, as_of)
    assert reads == [(T0 - LOOKBACK, T0), (T0, as_of)]
    with engine.connect() as connection:
        marks = sorted(connection.execute(select(m6_hours_read.c.hour)).scalars())
    assert marks == [T0, T0 + HOUR, T0 + 2 * HOUR]  # 11:00 is still filling at 11:30: not kept
    assert m6_of(rows).keys() == {k for k in full_replay(events, T0, end) if k[0] < end}


def test_late_data_in_an_hour_with_kept_rows_and_no_rebuild_matches_the_replay(spied: Any, tmp_path: Path) -> None:
    engine, _ = spied
    events = generated_events(seed=3)
    ingest_path(engine, write_jsonl(tmp_path / "e.jsonl", events))
    build_agent_metrics(engine, T0, T0 + 3 * HOUR, AS_OF)
    late = [step(f"late-{i}", iso(T0 + HOUR + i * HOUR / 60), "triage", "timed_out") for i in range(3)]
    ingest_path(engine, write_jsonl(tmp_path / "late.jsonl", late))
    h11 = T0 + 3 * HOUR
    got = m6_of(build_agent_metrics(engine, h11, h11 + HOUR, AS_OF))
    assert_same(got, full_replay(events + late, h11, h11 + HOUR))


def test_kept_hours_older_than_two_look_backs_are_dropped_and_read_from_raw_events_again(
    spied: Any, tmp_path: Path
) -> None:
    engine, reads = spied
    # Outcomes at 08:00–12:00 on 2026-01-05, and the same 56 h later (from 2026-01-07 16:00).
    later = T0 + 56 * HOUR
    events = generated_events(seed=5)
    shifted = [{**e, "event_id": f"x{e['event_id']}",
                "ts": iso(datetime.strptime(e["ts"], "%Y-%m-%dT%H:%M:%S.%fZ") + 56 * HOUR)} for e in events]
    ingest_path(engine, write_jsonl(tmp_path / "e.jsonl", events + shifted))
    build_agent_metrics(engine, T0, T0 + 4 * HOUR, AS_OF + 56 * HOUR)
    build_agent_metrics(engine, later, later + HOUR, AS_OF + 56 * HOUR)
    with engine.connect() as connection:
        marks = sorted(connection.execute(select(m6_hours_read.c.hour)).scalars())
        hours_with_rows = set(connection.execute(select(m6_hour_outcomes.c.hour).distinct()).scalars())
    # The later build keeps 2026-01-07 16:00 and drops what is older than 48 h before it
    # (before 2026-01-05 16:00): the four hours the first build kept.
    assert marks == [later] and hours_with_rows == {later}
    # Rebuilt now, hour 11 reads every look-back hour from raw_events, with the same result.
    reads.clear()
    h11 = T0 + 3 * HOUR
    got = m6_of(build_agent_metrics(engine, h11, h11 + HOUR, AS_OF + 56 * HOUR))
    assert reads == [(h11 - LOOKBACK, h11), (h11, h11 + HOUR)]
    assert_same(got, full_replay(events, h11, h11 + HOUR))
