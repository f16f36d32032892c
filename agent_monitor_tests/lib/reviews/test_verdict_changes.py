"""M1 verdicts (SPEC §8): the latest review wins, reverts take effect, re-imports are no-ops."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from agent_monitor.lib.config import ReviewSettings
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.metrics.calibration import latest_reviews
from agent_monitor.lib.reviews.build import rebuild_queue
from agent_monitor.lib.reviews.importer import import_verdicts
from agent_monitor.lib.rollup.calibration import m1_by_hour
from agent_monitor.lib.warehouse.tables_raw import raw_events
from agent_monitor.lib.warehouse.tables_reviews import review_queue
from agent_monitor_tests.events import response, review, write_jsonl

DAY = datetime(2026, 1, 5)
# billing evt-1..4 at hours 0..3 (u .556 .732 .271 .380, see test_selection.py), base 0.05,
# minimum 2: none by the rule; the top-up takes evt-3 and evt-4; the first not taken is evt-1,
# so π = 0.5560845581979319 for both.
SETTINGS = ReviewSettings(base_rate=0.05, daily_minimum=2)
PI = 0.5560845581979319
EVT3_HOUR = DAY + timedelta(hours=2)


def _seed(engine: Engine, folder: Path) -> None:
    events = [response(f"evt-{n}", f"2026-01-05T0{n - 1}:10:00Z", confidence=0.9) for n in range(1, 5)]
    assert ingest_path(engine, write_jsonl(folder / "responses.jsonl", events)).accepted == 4


def _import(engine: Engine, folder: Path, name: str, verdict: str, now: datetime) -> Any:
    path = folder / name
    path.write_text(f"event_id,verdict,reviewer\nevt-3,{verdict},ana\n")
    return import_verdicts(engine, path, now=now, out_dir=folder / "events")


def _current(engine: Engine) -> tuple[str | None, dict[str, Any] | None]:
    """(evt-3's verdict in review_queue after a rebuild, M1 sums of its hour)."""
    rebuild_queue(engine, DAY, DAY + timedelta(hours=1), SETTINGS, now=DAY + timedelta(days=1))
    with engine.begin() as connection:
        verdict = connection.execute(
            select(review_queue.c.verdict).where(review_queue.c.event_id == "evt-3")).scalar_one()
        m1 = m1_by_hour(connection, DAY, DAY + timedelta(days=1))
    return verdict, m1.get((EVT3_HOUR, "billing", ""))


def _review_count(engine: Engine) -> int:
    with engine.connect() as connection:
        return len(connection.execute(
            select(raw_events.c.event_id).where(raw_events.c.event_type == "review")).all())


def test_a_verdict_reverted_twice_ends_with_the_last_import(
    warehouse_engine: Engine, tmp_path: Path
) -> None:
    _seed(warehouse_engine, tmp_path)
    t1 = datetime(2026, 1, 6, 9)
    assert len(_import(warehouse_engine, tmp_path, "v1.csv", "correct", t1).good) == 1
    verdict, m1 = _current(warehouse_engine)
    # One reviewed response, confidence 0.9, correct, weight 1/π = 1.79829:
    # mean confidence 0.9, accuracy 1.0, divergence 0.1.
    assert verdict == "correct"
    assert m1 is not None and m1["n_reviewed"] == 1
    assert m1["m1_weight_sum"] == pytest.approx(1 / PI)
    assert m1["m1_weighted_correct_sum"] == pytest.approx(1 / PI)
    assert m1["m1_divergence"] == pytest.approx(0.1)

    _import(warehouse_engine, tmp_path, "v2.csv", "incorrect", t1 + timedelta(hours=1))
    verdict, m1 = _current(warehouse_engine)
    # Incorrect: accuracy 0, divergence 0.9.
    assert verdict == "incorrect" and m1 is not None
    assert m1["m1_weighted_correct_sum"] == 0 and m1["m1_divergence"] == pytest.approx(0.9)

    # Back to correct: a third event (the first one's verdict, but a new review), which wins.
    result = _import(warehouse_engine, tmp_path, "v3.csv", "correct", t1 + timedelta(hours=2))
    assert len(result.good) == 1 and result.ingest is not None and result.ingest.accepted == 1
    assert _review_count(warehouse_engine) == 3
    verdict, m1 = _current(warehouse_engine)
    assert verdict == "correct" and m1 is not None and m1["m1_divergence"] == pytest.approx(0.1)

    # Importing the same verdict again is a no-op: nothing written, nothing ingested.
    again = _import(warehouse_engine, tmp_path, "v4.csv", "correct", t1 + timedelta(hours=3))
    assert (len(again.good), len(again.unchanged), again.ingest) == (0, 1, None)
    assert _review_count(warehouse_engine) == 3

    # Unverifiable takes the response out of M1: its hour has no reviewed response left.
    _import(warehouse_engine, tmp_path, "v5.csv", "unverifiable", t1 + timedelta(hours=4))
    verdict, m1 = _current(warehouse_engine)
    assert verdict == "unverifiable" and m1 is None


def test_one_file_that_changes_its_mind_ends_with_its_last_line(
    warehouse_engine: Engine, tmp_path: Path
) -> None:
    # Three lines for one response, all stamped with the same import time: the ties are
    # broken by ingestion order (the line), and the third line is not the first one again.
    _seed(warehouse_engine, tmp_path)
    path = tmp_path / "v.csv"
    path.write_text("event_id,verdict,reviewer\nevt-3,correct,ana\nevt-3,incorrect,ana\nevt-3,correct,ana\n")
    result = import_verdicts(warehouse_engine, path, now=datetime(2026, 1, 6, 9),
                             out_dir=tmp_path / "events")
    assert result.ingest is not None and result.ingest.accepted == 3
    assert _current(warehouse_engine)[0] == "correct"


def test_a_repeated_verdict_with_its_review_time_is_a_no_op_even_when_not_the_latest(
    warehouse_engine: Engine, tmp_path: Path
) -> None:
    # ana: correct at 09:00; bob: incorrect at 10:00 (the latest). Re-importing ana's file
    # (with its reviewed_at) repeats a stored review: nothing new, bob's verdict stands.
    _seed(warehouse_engine, tmp_path)
    ana = tmp_path / "ana.csv"
    ana.write_text("event_id,verdict,reviewer,reviewed_at\nevt-3,correct,ana,2026-01-06T09:00:00Z\n")
    bob = tmp_path / "bob.csv"
    bob.write_text("event_id,verdict,reviewer,reviewed_at\nevt-3,incorrect,bob,2026-01-06T10:00:00Z\n")
    now = datetime(2026, 1, 6, 12)
    import_verdicts(warehouse_engine, ana, now=now, out_dir=tmp_path / "events")
    import_verdicts(warehouse_engine, bob, now=now, out_dir=tmp_path / "events")
    again = import_verdicts(warehouse_engine, ana, now=now + timedelta(hours=1),
                            out_dir=tmp_path / "events")
    assert (len(again.good), len(again.unchanged)) == (0, 1)
    assert _review_count(warehouse_engine) == 2
    assert _current(warehouse_engine)[0] == "incorrect"


def test_reviews_at_the_same_time_resolve_by_ingestion_order(
    warehouse_engine: Engine, tmp_path: Path
) -> None:
    # Same ts; the first file's event id sorts after the second's, so only the ingestion
    # order (not the id) makes the second file's verdict the latest.
    _seed(warehouse_engine, tmp_path)
    ts = "2026-01-06T09:00:00Z"
    ingest_path(warehouse_engine, write_jsonl(tmp_path / "a.jsonl", [review("z-first", ts, "evt-3", "correct")]))
    ingest_path(warehouse_engine, write_jsonl(tmp_path / "b.jsonl", [review("a-second", ts, "evt-3", "incorrect")]))
    verdict, m1 = _current(warehouse_engine)
    assert verdict == "incorrect" and m1 is not None and m1["m1_weighted_correct_sum"] == 0


@pytest.mark.parametrize(
    ("reviews", "latest"),
    [
        # Later ts wins whatever the ingestion order.
        ([("v1", 10, 2, 1, "correct"), ("v2", 9, 5, 1, "incorrect")], "v1"),
        # Same ts: the later ledger entry wins, then the later line of one file.
        ([("z", 10, 1, 1, "correct"), ("a", 10, 2, 1, "incorrect")], "a"),
        ([("z", 10, 3, 2, "correct"), ("a", 10, 3, 1, "incorrect")], "z"),
    ],
)
def test_latest_review_order(reviews: list[tuple[str, int, int, int, str]], latest: str) -> None:
    rows = [{"event_id": e, "ts": DAY.replace(hour=h), "ingest_id": i, "source_location": line,
             "target_event_id": "r", "verdict": v} for e, h, i, line, v in reviews]
    assert latest_reviews(rows)["r"]["event_id"] == latest
