"""On generated logs, each injected failure mode moves its metric inside its span only."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest

from agent_monitor.lib.generator import GeneratorSettings, GroundTruth, generate
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.warehouse.tables_metrics import agent_metrics_hourly
from agent_monitor_tests.defs.metrics.harness import Seeded

HOURS = 36
KEY_FORMAT = "%Y-%m-%d-%H:%M"


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[GroundTruth, list[dict[str, Any]]]]:
    """36 generated hours (default incidents), ingested and built in one backfill run."""
    folder = tmp_path_factory.mktemp("generated")
    truth = generate(GeneratorSettings(hours=HOURS, traffic_scale=0.5), folder / "gen")
    seeded = Seeded(f"sqlite:///{folder / 'w.db'}", folder)
    for path in sorted((folder / "gen").glob("events-*.jsonl")):
        ingest_path(seeded.engine, path)
    start = truth.start.replace(tzinfo=None)
    last = start + timedelta(hours=HOURS - 1)
    seeded.materialize(start.strftime(KEY_FORMAT), last.strftime(KEY_FORMAT),
                       selection=["agent_metrics_hourly"])
    yield truth, seeded.rows(agent_metrics_hourly)


def incident(truth: GroundTruth, kind: str) -> tuple[tuple[str, ...], datetime, datetime]:
    found = next(i for i in truth.incidents if i.kind == kind)
    return found.agents, found.start.replace(tzinfo=None), found.end.replace(tzinfo=None)


def ratio_over(rows: list[dict[str, Any]], agent: str, num: str, den: str, inside: Any) -> float:
    """Σnum / Σden over the agent's rows (all versions) whose hour satisfies `inside`."""
    picked = [r for r in rows if r["agent_id"] == agent and inside(r["hour"])]
    total = sum(r[den] or 0 for r in picked)
    assert total > 0, (agent, num, den)
    return sum(r[num] or 0 for r in picked) / total


@pytest.mark.slow
def test_hallucination_drift_raises_m4_of_that_agent_inside_the_span(built: Any) -> None:
    truth, rows = built
    (agent,), start, end = incident(truth, "hallucination_drift")
    inside = ratio_over(rows, agent, "n_hallucination_flagged", "n_responses", lambda h: start <= h < end)
    before = ratio_over(rows, agent, "n_hallucination_flagged", "n_responses", lambda h: h < start)
    assert before < 0.03 and inside > 2 * before and inside > 0.1


@pytest.mark.slow
def test_context_decay_drops_m2_of_that_agent_below_0_3_inside_only(built: Any) -> None:
    truth, rows = built
    (agent,), start, end = incident(truth, "context_decay")
    inside = ratio_over(rows, agent, "m2_early_refs", "m2_recent_refs", lambda h: start <= h < end)
    outside = ratio_over(rows, agent, "m2_early_refs", "m2_recent_refs", lambda h: not start <= h < end)
    assert inside < 0.3 <= outside


@pytest.mark.slow
def test_cascade_lowers_m5_of_the_downstream_agents_inside_the_span(built: Any) -> None:
    truth, rows = built
    agents, start, end = incident(truth, "cascade")
    for agent in agents[1:]:
        inside = ratio_over(rows, agent, "n_runs_completed", "n_runs_ended", lambda h: start <= h < end)
        before = ratio_over(rows, agent, "n_runs_completed", "n_runs_ended", lambda h: h < start)
        assert before >= 0.8 and inside < before - 0.1, (agent, inside, before)
