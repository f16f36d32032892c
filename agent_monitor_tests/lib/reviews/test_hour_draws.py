"""The sampler's rule computed in the database equals the rule of lib/sampling.py.

`stage_draws` takes u (stored at ingest, or SHA-256 in SQL) and computes π_rule where the
events are and stages only the rule's samples, per hour × agent the daily_minimum + 1 lowest
left-out draws, and the reviewed responses (`review_draws`). `hour_draws` here reads them
back as items. Checked on a hand-worked hour and against `rule_samples` on generated hours.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Connection, DateTime, Engine, Float, Integer, delete, text

from agent_monitor.bench.events import write_bench_file
from agent_monitor.lib.alerting.rules import RuleSet
from agent_monitor.lib.config import ReviewSettings, load_config
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.reviews.build import _load
from agent_monitor.lib.reviews.draws import rule_inclusions, stage_draws
from agent_monitor.lib.reviews.selection import CriticalPaths, Sampled, default_critical_paths, rule_samples
from agent_monitor.lib.sampling import sampling_u
from agent_monitor.lib.warehouse.results import result_dicts
from agent_monitor.lib.warehouse.tables_reviews import review_draws
from agent_monitor_tests.events import response, review, write_jsonl
from agent_monitor_tests.lib.reviews.test_selection import U

HOUR = datetime(2026, 1, 5, 10)


@dataclass
class HourDraws:
    """The staged draws as the rule's terms: samples, lowest left-out draws, reviewed ones."""

    sampled: list[Sampled] = field(default_factory=list)
    # Per hour × agent, the lowest daily_minimum + 1 left-out draws, lowest first.
    candidates: list[Sampled] = field(default_factory=list)
    # Left-out responses that have a review (some are candidates too).
    reviewed_left_out: list[Sampled] = field(default_factory=list)
    counts: dict[tuple[datetime, str], tuple[int, int]] = field(default_factory=dict)  # (responses, rule samples)
    reviewed_ids: list[str] = field(default_factory=list)


def hour_draws(
    connection: Connection, ranges: list[tuple[datetime, datetime]], settings: ReviewSettings,
    critical_paths: CriticalPaths,
) -> HourDraws:
    """Stage the draws of `ranges`, read them back as items and empty the staging table."""
    stage_draws(connection, ranges, settings, critical_paths)
    rows = result_dicts(connection.execute(text(
        "SELECT d.event_id, d.ts, d.agent_id, d.u, d.answers, d.reviewed, d.by_rule, d.draw_rank, d.n_responses,"
        " d.n_rule_sampled FROM review_draws d"
    ).columns(ts=DateTime(), u=Float(), n_responses=Integer(), n_rule_sampled=Integer(), draw_rank=Integer())))
    connection.execute(delete(review_draws))
    by_code = rule_inclusions(settings)
    out = HourDraws()
    for row in sorted(rows, key=lambda r: (r["ts"], r["event_id"])):
        inclusion = by_code[int(row["answers"])]
        item = Sampled(event_id=str(row["event_id"]), agent_id=str(row["agent_id"]), ts=row["ts"], u=row["u"],
                       rule_probability=inclusion.probability, inclusion_probability=inclusion.probability,
                       reasons=inclusion.reasons, row=row)
        hour = item.ts.replace(minute=0, second=0, microsecond=0)
        out.counts[(hour, item.agent_id)] = (int(row["n_responses"]), int(row["n_rule_sampled"]))
        if row["reviewed"]:
            out.reviewed_ids.append(item.event_id)
        if row["by_rule"]:
            out.sampled.append(item)
            continue
        if row["draw_rank"] <= settings.daily_minimum + 1:
            out.candidates.append(item)
        if row["reviewed"]:
            out.reviewed_left_out.append(item)
    out.candidates.sort(key=lambda item: (item.ts.replace(minute=0, second=0, microsecond=0), item.agent_id,
                                          item.u, item.event_id))
    return out


def _ts(minute: int) -> str:
    return f"2026-01-05T10:{minute:02d}:00Z"


def _hand_worked_hour() -> list[dict[str, Any]]:
    plain = {"confidence": 0.9}
    return [
        response("evt-1", _ts(1), **plain, decision={"name": "refund", "value": True, "path": "approval"}),
        response("evt-2", _ts(2), **plain, decision={"name": "route", "value": "a", "path": "content"}),
        response("evt-3", _ts(3), confidence=0.5),
        response("evt-4", _ts(4), confidence=0.4),
        response("evt-5", _ts(5), **plain, flags=["pii"]),
        response("evt-6", _ts(6), **plain),
        response("evt-7", _ts(7), **plain),
        response("evt-8", _ts(8), **plain),
        # evt-2's shadow decides the same name otherwise (×4); evt-1's agrees (no boost).
        response("sh-2", _ts(9), **plain, deployment="shadow", shadow_of="evt-2",
                 decision={"name": "route", "value": "b", "path": "content"}),
        response("sh-1", _ts(9), **plain, deployment="shadow", shadow_of="evt-1",
                 decision={"name": "refund", "value": True, "path": "approval"}),
        review("rv-6", _ts(30), "evt-6"),
        review("rv-7", _ts(31), "evt-7", verdict="incorrect"),
    ]


def test_ingestion_stores_the_hand_worked_draws(warehouse_engine: Engine, tmp_path: Path) -> None:
    # u under the default salt, computed once at ingest for every response (the sampler reads
    # it, lib/reviews/draws.py); reviews have none.
    write_jsonl(tmp_path / "hour.jsonl", _hand_worked_hour())
    assert ingest_path(warehouse_engine, tmp_path / "hour.jsonl").accepted == 12
    with warehouse_engine.connect() as connection:
        stored = dict(connection.execute(text("SELECT event_id, sampling_u FROM raw_events")).all())
    assert {k: v for k, v in stored.items() if k.startswith("evt-")} == U
    assert stored["rv-6"] is None and stored["rv-7"] is None
    assert stored["sh-1"] is not None


@pytest.mark.parametrize("stored", ["draws stored at ingest", "no stored draws (an older warehouse)"])
def test_the_hand_worked_hour(warehouse_engine: Engine, tmp_path: Path, stored: str) -> None:
    # base 0.1, boosts ×4 low confidence (< 0.5), ×2 critical path (approval), ×4 disagreeing
    # shadow, ×2 flags. u from test_selection's table:
    #   evt-1 approval      π 0.2  u 0.556  left out      evt-5 flags     π 0.2  u 0.402  left out
    #   evt-2 disagreeing   π 0.4  u 0.732  left out      evt-6           π 0.1  u 0.827  left out, reviewed
    #   evt-3 conf 0.5      π 0.1  u 0.271  left out      evt-7           π 0.1  u 0.035  sampled, reviewed
    #   evt-4 conf 0.4      π 0.4  u 0.380  sampled       evt-8           π 0.1  u 0.231  left out
    # 8 primaries, 2 rule samples. daily_minimum 4: the 5 lowest left-out draws are evt-8,
    # evt-3, evt-5, evt-1, evt-2; evt-6 (rank 6) comes back because it is reviewed.
    write_jsonl(tmp_path / "hour.jsonl", _hand_worked_hour())
    assert ingest_path(warehouse_engine, tmp_path / "hour.jsonl").accepted == 12
    if stored != "draws stored at ingest":
        with warehouse_engine.begin() as connection:
            connection.execute(text("UPDATE raw_events SET sampling_u = NULL"))
    settings = ReviewSettings(base_rate=0.1, daily_minimum=4)
    with warehouse_engine.connect() as connection:
        draws = hour_draws(connection, [(HOUR, HOUR + timedelta(hours=1))], settings, default_critical_paths)

    def seen(items: list[Any]) -> list[tuple[Any, ...]]:
        return [(i.event_id, i.u, i.rule_probability, i.reasons) for i in items]

    assert sorted(seen(draws.sampled)) == [
        ("evt-4", U["evt-4"], 0.4, ("base", "low_confidence")),
        ("evt-7", U["evt-7"], 0.1, ("base",)),
    ]
    assert seen(draws.candidates) == [
        ("evt-8", U["evt-8"], 0.1, ("base",)),
        ("evt-3", U["evt-3"], 0.1, ("base",)),
        ("evt-5", U["evt-5"], 0.2, ("base", "validator_flag")),
        ("evt-1", U["evt-1"], 0.2, ("base", "critical_path")),
        ("evt-2", U["evt-2"], 0.4, ("base", "shadow_disagreement")),
    ]
    assert seen(draws.reviewed_left_out) == [("evt-6", U["evt-6"], 0.1, ("base",))]
    assert sorted(draws.reviewed_ids) == ["evt-6", "evt-7"]
    assert draws.counts == {(HOUR, "billing"): (8, 2)}


def test_the_stored_draw_is_read_only_under_its_salt(warehouse_engine: Engine, tmp_path: Path) -> None:
    # evt-6 (π 0.1, u 0.827: left out) given a stored draw of 0.05: the default salt reads it
    # and samples evt-6; any other salt hashes the event id again and leaves it out.
    write_jsonl(tmp_path / "hour.jsonl", _hand_worked_hour())
    assert ingest_path(warehouse_engine, tmp_path / "hour.jsonl").accepted == 12
    with warehouse_engine.begin() as connection:
        connection.execute(text("UPDATE raw_events SET sampling_u = 0.05 WHERE event_id = 'evt-6'"))
    hour = [(HOUR, HOUR + timedelta(hours=1))]
    with warehouse_engine.connect() as connection:
        default = hour_draws(connection, hour, ReviewSettings(base_rate=0.1, daily_minimum=4), default_critical_paths)
        other = hour_draws(connection, hour, ReviewSettings(salt="another-salt", base_rate=0.1, daily_minimum=4),
                           default_critical_paths)
    assert ("evt-6", 0.05) in {(i.event_id, i.u) for i in default.sampled}
    assert "evt-6" not in {i.event_id for i in other.sampled}
    assert {i.event_id: i.u for i in other.sampled + other.candidates + other.reviewed_left_out}["evt-6"] == (
        sampling_u("another-salt", "evt-6"))


def test_the_lowest_left_out_draws_across_draw_buckets(warehouse_engine: Engine, tmp_path: Path) -> None:
    # Only the left-out draws in the lowest 64ths of [0, 1) that hold an agent-hour's lowest
    # daily_minimum + 1 are ranked. Stored draws set by hand, base 0.001, daily_minimum 2 (3
    # candidates). billing: a6 0.0005 sampled; left out a3 .0155 (bucket 0), a2 .0157 and a4
    # .03124 (bucket 1), a5 .03126 (bucket 2), a1 .5 → candidates a3, a2, a4 (two buckets
    # needed); a5 and a1 come back only because they are reviewed. search: 2 left out (fewer than
    # 3): both candidates, .7 before .9.
    draws = {"a1": 0.5, "a2": 0.0157, "a3": 0.0155, "a4": 0.03124, "a5": 0.03126, "a6": 0.0005,
             "b1": 0.9, "b2": 0.7}
    events = [response(event_id, _ts(i), confidence=0.9, agent_id="search" if event_id[0] == "b" else "billing")
              for i, event_id in enumerate(draws)]
    events += [review("rv-a5", _ts(40), "a5"), review("rv-a1", _ts(41), "a1")]
    assert ingest_path(warehouse_engine, write_jsonl(tmp_path / "hour.jsonl", events)).accepted == 10
    with warehouse_engine.begin() as connection:
        for event_id, u in draws.items():
            connection.execute(text("UPDATE raw_events SET sampling_u = :u WHERE event_id = :id"),
                               {"u": u, "id": event_id})
    settings = ReviewSettings(base_rate=0.001, daily_minimum=2)
    with warehouse_engine.connect() as connection:
        staged = hour_draws(connection, [(HOUR, HOUR + timedelta(hours=1))], settings, default_critical_paths)
    assert [i.event_id for i in staged.sampled] == ["a6"]
    assert [i.event_id for i in staged.candidates] == ["a3", "a2", "a4", "b2", "b1"]
    assert sorted(i.event_id for i in staged.reviewed_left_out) == ["a1", "a5"]
    assert staged.counts == {(HOUR, "billing"): (6, 1), (HOUR, "search"): (2, 0)}


@pytest.mark.parametrize("salt", ["agent-monitor", "another-salt"])
def test_generated_hours_equal_the_python_rule(warehouse_engine: Engine, tmp_path: Path, salt: str) -> None:
    # Two hours of the bench's mix (confidence, decisions on critical paths, flags, shadows
    # that disagree, reviews): every sample, candidate and count equals rule_samples', with
    # the draws stored at ingest (the default salt) and with another salt (hashed here).
    path = write_bench_file(tmp_path / "bench.jsonl", 12000, HOUR, timedelta(hours=2), n_agents=6)
    assert ingest_path(warehouse_engine, path).accepted == 12000
    settings = ReviewSettings(salt=salt, daily_minimum=5)
    paths = RuleSet.from_config(load_config(None)).critical_paths
    for hour in (HOUR, HOUR + timedelta(hours=1)):
        end = hour + timedelta(hours=1)
        with warehouse_engine.connect() as connection:
            draws = hour_draws(connection, [(hour, end)], settings, paths)
            primaries, shadows, reviews = _load(connection, hour, end)
        sampled, left_out = rule_samples(primaries, shadows, settings, paths)
        assert len(sampled) > 50 and any(s.reasons != ("base",) for s in sampled)

        def exact(items: list[Any]) -> set[tuple[Any, ...]]:
            return {(i.event_id, i.agent_id, i.ts, i.u, i.rule_probability, i.reasons) for i in items}

        assert exact(draws.sampled) == exact(sampled)
        lowest: list[Any] = []
        for agent in sorted({i.agent_id for i in left_out}):
            mine = sorted((i for i in left_out if i.agent_id == agent), key=lambda i: (i.u, i.event_id))
            lowest += mine[: settings.daily_minimum + 1]
        assert exact(draws.candidates) == exact(lowest)
        reviewed = {str(r["target_event_id"]) for r in reviews}
        assert set(draws.reviewed_ids) == reviewed & {str(p["event_id"]) for p in primaries}
        assert exact(draws.reviewed_left_out) == exact(i for i in left_out if i.event_id in reviewed)
        counts = {(hour, a): (sum(1 for i in sampled + left_out if i.agent_id == a),
                              sum(1 for i in sampled if i.agent_id == a))
                  for a in {i.agent_id for i in sampled + left_out}}
        assert draws.counts == counts
