"""A review carries the time of the event it judges (`target_ts`), whatever the arrival order,
and the hour's review queue and M1 find it by that time."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

from sqlalchemy import Engine, select, text

from agent_monitor.lib.config import load_config
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.reviews.build import rebuild_queue
from agent_monitor.lib.rollup import build_agent_metrics
from agent_monitor.lib.warehouse.schema import upgrade_schema
from agent_monitor.lib.warehouse.tables_metrics import agent_metrics_hourly
from agent_monitor.lib.warehouse.tables_raw import raw_events
from agent_monitor.lib.warehouse.tables_reviews import review_queue
from agent_monitor_tests.events import response, review, write_jsonl

HOUR = datetime(2026, 1, 5, 10)
END = datetime(2026, 1, 5, 11)
JUDGED_AT = datetime(2026, 1, 5, 10, 5)


def _target_times(engine: Engine) -> dict[str, datetime | None]:
    with engine.connect() as connection:
        rows = connection.execute(select(raw_events.c.event_id, raw_events.c.target_ts).where(
            raw_events.c.event_type == "review"))
        return {event_id: target_ts for event_id, target_ts in rows}


def _ingest(engine: Engine, path: Path, events: list[dict]) -> None:
    assert ingest_path(engine, write_jsonl(path, events)).accepted == len(events)


def test_a_review_gets_its_responses_time_whatever_the_order(warehouse_engine: Engine, tmp_path: Path) -> None:
    _ingest(warehouse_engine, tmp_path / "early.jsonl", [
        review("v-before", "2026-01-06T09:00:00Z", "r-late"),  # its response comes in the next file
        review("v-never", "2026-01-06T09:00:00Z", "r-missing"),  # judges an event that never comes
    ])
    assert _target_times(warehouse_engine) == {"v-before": None, "v-never": None}
    _ingest(warehouse_engine, tmp_path / "day.jsonl", [
        response("r-late", "2026-01-05T10:05:00Z", confidence=0.9),
        response("r-same", "2026-01-05T10:20:00Z", confidence=0.4, session_id="s2"),
        review("v-same", "2026-01-06T09:00:00Z", "r-same", "incorrect"),  # same file as its response
    ])
    _ingest(warehouse_engine, tmp_path / "after.jsonl", [review("v-after", "2026-01-06T10:00:00Z", "r-late")])
    assert _target_times(warehouse_engine) == {
        "v-before": JUDGED_AT, "v-never": None,
        "v-same": datetime(2026, 1, 5, 10, 20), "v-after": JUDGED_AT,
    }


def test_a_review_that_came_before_its_response_counts_in_the_queue_and_in_m1(
    warehouse_engine: Engine, tmp_path: Path
) -> None:
    _ingest(warehouse_engine, tmp_path / "review.jsonl", [review("v1", "2026-01-06T09:00:00Z", "r1", "correct")])
    _ingest(warehouse_engine, tmp_path / "response.jsonl", [response("r1", "2026-01-05T10:05:00Z", confidence=0.9)])
    config = load_config(None)
    rebuild_queue(warehouse_engine, HOUR, END, config.review, now=datetime(2026, 1, 6, 12))
    build_agent_metrics(warehouse_engine, HOUR, END, as_of=datetime(2026, 1, 6, 12))
    with warehouse_engine.connect() as connection:
        queued = connection.execute(select(review_queue.c.event_id, review_queue.c.verdict,
                                           review_queue.c.inclusion_probability)).all()
        m1 = connection.execute(select(
            agent_metrics_hourly.c.n_reviewed, agent_metrics_hourly.c.m1_weight_sum,
            agent_metrics_hourly.c.m1_mean_confidence, agent_metrics_hourly.c.m1_accuracy,
        ).where(agent_metrics_hourly.c.agent_version == "")).one()
    # Reviewed, so in the queue. π is the rule's base rate, 0.05: confidence 0.9 is not low,
    # no flag, no decision, and a day of one response (fewer than the minimum of 20) gets no
    # top-up.
    assert [tuple(row) for row in queued] == [("r1", "correct", 0.05)]
    # M1: one correct verdict at confidence 0.9, weight 1/π = 20.
    assert (m1.n_reviewed, m1.m1_weight_sum, m1.m1_mean_confidence, m1.m1_accuracy) == (1, 20.0, 0.9, 1.0)


def test_an_older_warehouse_gets_its_reviews_times_on_upgrade(warehouse_engine: Engine, tmp_path: Path) -> None:
    _ingest(warehouse_engine, tmp_path / "day.jsonl", [
        response("r1", "2026-01-05T10:05:00Z"), review("v1", "2026-01-06T09:00:00Z", "r1"),
        review("v2", "2026-01-06T09:00:00Z", "r-missing"),
    ])
    # The warehouse as a release before `target_ts` left it.
    with warehouse_engine.begin() as connection:
        for index in ("ix_raw_events_target_ts", "ix_raw_events_waiting_reviews"):
            connection.execute(text(f"DROP INDEX {index}"))
        connection.execute(text("ALTER TABLE raw_events DROP COLUMN target_ts"))
    changes = upgrade_schema(warehouse_engine)
    assert changes == ["add column raw_events.target_ts", "fill column raw_events.target_ts",
                       "create index ix_raw_events_target_ts", "create index ix_raw_events_waiting_reviews"]
    assert _target_times(warehouse_engine) == {"v1": JUDGED_AT, "v2": None}
