"""The review_queue asset: whole-day rebuilds, order independence, late reviews, expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import dagster as dg
import pytest
from sqlalchemy import select

from agent_monitor.defs.ingest.assets import raw_events
from agent_monitor.defs.resources import Clock, MonitorSettings, Warehouse
from agent_monitor.defs.reviews.assets import review_queue
from agent_monitor.defs.reviews.checks import (
    in_days,
    review_queue_probabilities_in_range,
    review_queue_reviewed_rows_have_verdicts,
    review_queue_rule_samples_below_pi,
    review_queue_sampled_exactly_below_pi,
    sampled_exactly_below_pi,
)
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.warehouse.tables_reviews import review_queue as queue_table
from agent_monitor_tests.events import response, review, write_jsonl

IDS = ["evt-1", "evt-2", "evt-3", "evt-4", "evt-5", "evt-6", "evt-7", "evt-8"]
# With base_rate 0.05 only evt-7 (u 0.035) passes the rule; the daily minimum 3 adds the two
# lowest draws left out, evt-8 (0.231) and evt-3 (0.271). The first draw not taken is evt-4's:
# t = 0.3801906116953897, and every item's π = max(0.05, t) = t.
# (u values: agent_monitor_tests/lib/reviews/test_selection.py.)
PI = 0.3801906116953897
CHECKS = [review_queue_probabilities_in_range, review_queue_rule_samples_below_pi,
          review_queue_sampled_exactly_below_pi, review_queue_reviewed_rows_have_verdicts]


def _day(days_ago: int) -> datetime:
    today = datetime.now(UTC).replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)
    return today - timedelta(days=days_ago)


def _iso(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%dT%H:%M:%SZ")


def _key(ts: datetime) -> str:
    return ts.strftime("%Y-%m-%d-%H:00")


def _responses(day: datetime, ids: list[str]) -> list[dict[str, Any]]:
    # evt-N lands at hour N−1, ten minutes past.
    return [response(e, _iso(day + timedelta(hours=int(e[4:]) - 1, minutes=10)), confidence=0.9) for e in ids]


@pytest.fixture
def config_path(tmp_path: Path) -> str:
    path = tmp_path / "monitor.yaml"
    path.write_text("review:\n  base_rate: 0.05\n  daily_minimum: 3\n")
    return str(path)


def _build(url: str, config: str, instance: dg.DagsterInstance, **partition: Any) -> dg.ExecuteInProcessResult:
    return dg.materialize(
        [raw_events, review_queue, *CHECKS],
        instance=instance,
        resources={"warehouse": Warehouse(url=url), "settings": MonitorSettings(path=config), "clock": Clock()},
        selection=[review_queue],
        **partition,
    )


def _queue(url: str) -> list[tuple[Any, ...]]:
    columns = [queue_table.c[n] for n in ("event_id", "hour", "inclusion_probability", "reasons", "status")]
    with Warehouse(url=url).engine.connect() as connection:
        rows = connection.execute(select(*columns).order_by(queue_table.c.event_id)).all()
    return [(r[0], r[1], round(r[2], 12), tuple(r[3]), r[4]) for r in rows]


def _expected(day: datetime, status: str = "pending") -> list[tuple[Any, ...]]:
    return [
        ("evt-3", day + timedelta(hours=2), round(PI, 12), ("base", "daily_minimum"), status),
        ("evt-7", day + timedelta(hours=6), round(PI, 12), ("base",), status),
        ("evt-8", day + timedelta(hours=7), round(PI, 12), ("base", "daily_minimum"), status),
    ]


def test_any_hour_rebuilds_its_whole_day(tmp_path: Path, warehouse_url: str, config_path: str) -> None:
    day = _day(2)
    ingest_path(Warehouse(url=warehouse_url).engine, write_jsonl(tmp_path / "a.jsonl", _responses(day, IDS)))
    with dg.instance_for_test() as instance:
        result = _build(warehouse_url, config_path, instance, partition_key=_key(day))
    assert _queue(warehouse_url) == _expected(day)
    metadata = result.asset_materializations_for_node("review_queue")[0].metadata
    # The day's figures, and the hour's own: hour 0 has none of the three sampled responses.
    assert metadata["days_sampled"].value == 3 and metadata["days_pending"].value == 3
    assert metadata["days_reviewed"].value == 0
    assert metadata["sampled"].value == 0 and metadata["pending"].value == 0
    assert metadata["by_reason"].value == {"base": 3, "daily_minimum": 2}
    assert "| billing | 3 | 3 | 0 | 0 | 2 |" in metadata["per_agent"].value
    assert all(e.passed for e in result.get_asset_check_evaluations())


def test_same_queue_whatever_order_hours_are_built_in(tmp_path: Path, warehouse_url: str, config_path: str) -> None:
    day = _day(2)
    engine = Warehouse(url=warehouse_url).engine
    # Incremental arrival: hours 0–3 first (evt-1..4: 4 ≥ 3, none below 0.05, so the top-up
    # takes the 3 lowest draws evt-3, evt-4, evt-1; the one not taken is evt-2: π = its u,
    # 0.7317430922405461), built at 03:00.
    ingest_path(engine, write_jsonl(tmp_path / "a.jsonl", _responses(day, IDS[:4])))
    with dg.instance_for_test() as instance:
        _build(warehouse_url, config_path, instance, partition_key=_key(day + timedelta(hours=3)))
        assert [(r[0], r[2]) for r in _queue(warehouse_url)] == [
            ("evt-1", round(0.7317430922405461, 12)), ("evt-3", round(0.7317430922405461, 12)),
            ("evt-4", round(0.7317430922405461, 12)),
        ]
        # The rest of the day arrives; building only its last hour redoes the day's top-ups.
        ingest_path(engine, write_jsonl(tmp_path / "b.jsonl", _responses(day, IDS[4:])))
        _build(warehouse_url, config_path, instance, partition_key=_key(day + timedelta(hours=7)))
        assert _queue(warehouse_url) == _expected(day)
        # Hours in reverse order, then a one-run backfill of the day: the same rows.
        for hour in reversed(range(8)):
            _build(warehouse_url, config_path, instance, partition_key=_key(day + timedelta(hours=hour)))
            assert _queue(warehouse_url) == _expected(day)
        # A range run (what a single-run backfill launches): dagster's partition-range tags.
        # From 23:00 the day before: both days are rebuilt, in one run.
        result = _build(warehouse_url, config_path, instance, tags={
            "dagster/asset_partition_range_start": _key(day - timedelta(hours=1)),
            "dagster/asset_partition_range_end": _key(day + timedelta(hours=23)),
        })
        assert _queue(warehouse_url) == _expected(day)
    metadata = result.asset_materializations_for_node("review_queue")[0].metadata
    assert metadata["days_rebuilt"].value == f"{(day - timedelta(days=1)).date()}, {day.date()}"
    assert len(result.asset_materializations_for_node("review_queue")) == 25


def test_a_late_review_makes_its_item_reviewed(tmp_path: Path, warehouse_url: str, config_path: str) -> None:
    day = _day(3)
    engine = Warehouse(url=warehouse_url).engine
    ingest_path(engine, write_jsonl(tmp_path / "a.jsonl", _responses(day, IDS)))
    with dg.instance_for_test() as instance:
        _build(warehouse_url, config_path, instance, partition_key=_key(day))
        late = review("v-7", _iso(day + timedelta(days=2)), "evt-7", "incorrect") | {"reviewer": "ana"}
        ingested = ingest_path(engine, write_jsonl(tmp_path / "b.jsonl", [late]))
        # The review touches its target's hour (06:00), which the automation rebuilds.
        assert day + timedelta(hours=6) in ingested.hours_touched
        result = _build(warehouse_url, config_path, instance, partition_key=_key(day + timedelta(hours=6)))
    statuses = {r[0]: r[4] for r in _queue(warehouse_url)}
    assert statuses == {"evt-3": "pending", "evt-7": "reviewed", "evt-8": "pending"}
    with engine.connect() as connection:
        row = connection.execute(select(queue_table).where(queue_table.c.event_id == "evt-7")).mappings().one()
    assert (row["verdict"], row["reviewer"], row["review_event_id"]) == ("incorrect", "ana", "v-7")
    assert row["reviewed_at"] == day + timedelta(days=2)
    assert result.asset_materializations_for_node("review_queue")[0].metadata["reviewed"].value == 1


def test_items_older_than_seven_days_expire(tmp_path: Path, warehouse_url: str, config_path: str) -> None:
    # 10 days ago: every unreviewed item's ts + 7 days is in the past.
    day = _day(10)
    ingest_path(Warehouse(url=warehouse_url).engine, write_jsonl(tmp_path / "a.jsonl", _responses(day, IDS)))
    with dg.instance_for_test() as instance:
        _build(warehouse_url, config_path, instance, partition_key=_key(day + timedelta(hours=5)))
    assert _queue(warehouse_url) == _expected(day, status="expired")


def test_changed_reviewed_rows_of_other_hours_are_reported(
    tmp_path: Path, warehouse_url: str, config_path: str
) -> None:
    day = _day(2)
    engine = Warehouse(url=warehouse_url).engine
    # A reviewed item at 02:00 (evt-3) while the day has 4 responses: π = u(evt-2) = 0.7317.
    ingest_path(engine, write_jsonl(tmp_path / "a.jsonl", _responses(day, IDS[:4])))
    ingest_path(engine, write_jsonl(tmp_path / "b.jsonl", [review("v-3", _iso(day + timedelta(hours=4)), "evt-3")]))
    with dg.instance_for_test() as instance:
        _build(warehouse_url, config_path, instance, partition_key=_key(day + timedelta(hours=2)))
        # More responses at 04:00–07:00 change evt-3's π to u(evt-4) = 0.3802: building 07:00
        # reports 02:00 as updated too, so whatever reads it (M1) is rebuilt.
        ingest_path(engine, write_jsonl(tmp_path / "c.jsonl", _responses(day, IDS[4:])))
        result = _build(warehouse_url, config_path, instance, partition_key=_key(day + timedelta(hours=7)))
    partitions = sorted(m.partition for m in result.asset_materializations_for_node("review_queue"))
    assert partitions == [_key(day + timedelta(hours=2)), _key(day + timedelta(hours=7))]


def test_the_m3_rule_s_critical_paths_boost_sampling(tmp_path: Path, warehouse_url: str) -> None:
    # rules.m3_decision_disagreement.critical_paths: [refund] is the one list of critical paths.
    # base 0.15: evt-8 (u 0.231) on path refund gets ×2 = 0.30 > 0.231 → sampled; evt-3
    # (u 0.271) on path approval, not critical here, stays at 0.15 < 0.271 → left out (with
    # the default paths it would have been 0.30 and sampled).
    config = tmp_path / "paths.yaml"
    config.write_text("review:\n  base_rate: 0.15\n  daily_minimum: 0\n"
                      "rules:\n  m3_decision_disagreement:\n    critical_paths: [refund]\n")
    day = _day(2)
    events = [
        response("evt-8", _iso(day + timedelta(minutes=10)), confidence=0.9,
                 decision={"name": "d", "value": 1, "path": "refund"}),
        response("evt-3", _iso(day + timedelta(minutes=20)), confidence=0.9,
                 decision={"name": "d", "value": 1, "path": "approval"}),
    ]
    ingest_path(Warehouse(url=warehouse_url).engine, write_jsonl(tmp_path / "p.jsonl", events))
    with dg.instance_for_test() as instance:
        _build(warehouse_url, str(config), instance, partition_key=_key(day))
    with Warehouse(url=warehouse_url).engine.connect() as connection:
        rows = connection.execute(
            select(queue_table.c.event_id, queue_table.c.rule_probability, queue_table.c.reasons)).all()
    assert [(r[0], round(r[1], 12), tuple(r[2])) for r in rows] == [
        ("evt-8", 0.3, ("base", "critical_path"))]


def test_the_sample_check_fails_on_an_item_outside_its_pi(tmp_path: Path, warehouse_url: str, config_path: str) -> None:
    day = _day(2)
    engine = Warehouse(url=warehouse_url).engine
    ingest_path(engine, write_jsonl(tmp_path / "a.jsonl", _responses(day, IDS)))
    with dg.instance_for_test() as instance:
        _build(warehouse_url, config_path, instance, partition_key=_key(day))
    the_day = in_days(day, day + timedelta(hours=1))
    assert sampled_exactly_below_pi(Warehouse(url=warehouse_url), the_day).passed
    # evt-8 (a top-up, u 0.231 < π 0.380) recorded with π 0.2 < u: not a sample by its own π.
    with engine.begin() as connection:
        connection.execute(queue_table.update().where(queue_table.c.event_id == "evt-8")
                           .values(inclusion_probability=0.2))
    result = sampled_exactly_below_pi(Warehouse(url=warehouse_url), the_day)
    assert not result.passed and result.metadata["examples"].value == ["evt-8"]



_MATERIALIZE = """
import sys
import dagster as dg
from agent_monitor.defs.ingest.assets import raw_events
from agent_monitor.defs.resources import Clock, MonitorSettings, Warehouse
from agent_monitor.defs.reviews.assets import review_queue
url, config, key = sys.argv[1:4]
result = dg.materialize(
    [raw_events, review_queue], selection=[review_queue], partition_key=key,
    resources={"warehouse": Warehouse(url=url), "settings": MonitorSettings(path=config), "clock": Clock()},
)
sys.exit(0 if result.success else 1)
"""


@pytest.mark.slow
def test_two_materializations_of_one_partition_at_once_both_succeed(
    warehouse_url: str, config_path: str, tmp_path: Path
) -> None:
    import subprocess
    import sys

    day = _day(3)
    ingest_path(Warehouse(url=warehouse_url).engine, write_jsonl(tmp_path / "a.jsonl", _responses(day, IDS)))
    key = _key(day + timedelta(hours=6))
    runs = [
        subprocess.Popen([sys.executable, "-c", _MATERIALIZE, warehouse_url, config_path, key],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for _ in range(2)
    ]
    outputs = [run.communicate(timeout=300) for run in runs]
    assert [run.returncode for run in runs] == [0, 0], [err[-3000:] for _, err in outputs]
    # The same rows as one build: evt-3, evt-7, evt-8 sampled, each with π = t (see PI above).
    sampled = [(row[0], row[2]) for row in _queue(warehouse_url)]
    assert sampled == [("evt-3", round(PI, 12)), ("evt-7", round(PI, 12)), ("evt-8", round(PI, 12))]
