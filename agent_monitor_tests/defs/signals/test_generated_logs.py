"""Signals and cascades on generated logs: injected incidents are caught early, clean traffic is quiet."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

import dagster as dg
import pytest
from sqlalchemy import Engine, select

from agent_monitor.build import build_window
from agent_monitor.definitions import defs
from agent_monitor.defs.resources import MonitorSettings, Warehouse
from agent_monitor.lib.generator import GeneratorSettings, GroundTruth, generate
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.warehouse.tables_health import agent_health
from agent_monitor.lib.warehouse.tables_signals import cascade_correlations, drift_signals_hourly

pytestmark = pytest.mark.slow


def _build(out: Path, settings: GeneratorSettings) -> Iterator[tuple[Engine, GroundTruth]]:
    truth = generate(settings, out)
    warehouse = Warehouse(url=f"sqlite:///{out / 'warehouse.db'}")
    for path in sorted(out.glob("events-*.jsonl")):
        ingest_path(warehouse.engine, path)
    config = out / "agent_monitor.yaml"
    config.write_text("{}\n")
    start = truth.start.replace(tzinfo=None)
    last = truth.end.replace(tzinfo=None) - timedelta(hours=1)
    with dg.instance_for_test() as instance:
        result = build_window(defs, instance, start, last, warehouse=warehouse,
                              settings=MonitorSettings(path=str(config)))
        assert result is not None and result.success
    yield warehouse.engine, truth
    warehouse.engine.dispose()


@pytest.fixture(scope="module")
def incidents(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, GroundTruth]]:
    """The default 72 h with the three default incidents (seed 7)."""
    yield from _build(tmp_path_factory.mktemp("incidents"), GeneratorSettings(seed=7, hours=72))


@pytest.fixture(scope="module")
def clean(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Engine, GroundTruth]]:
    """Seven days of traffic without incidents."""
    yield from _build(tmp_path_factory.mktemp("clean"), GeneratorSettings(seed=7, hours=168, incidents=()))


def _incident(truth: GroundTruth, kind: str):  # type: ignore[no-untyped-def]
    return next(i for i in truth.incidents if i.kind == kind)


def test_hallucination_drift_is_flagged_three_hours_before_m1(incidents: tuple[Engine, GroundTruth]) -> None:
    engine, truth = incidents
    drift = _incident(truth, "hallucination_drift")
    agent, begin = drift.agents[0], drift.start.replace(tzinfo=None)
    t = drift_signals_hourly.c
    h = agent_health.c
    with engine.connect() as connection:
        flagged = connection.execute(
            select(t.hour, t.p1_breach, t.p2_breach).where(t.agent_id == agent).order_by(t.hour)
        ).all()
        m1 = connection.execute(
            select(h.hour).where(h.agent_id == agent, h.rule == "m1_confidence_divergence",
                                 h.value > 0.10, h.n_samples >= 30, h.hour >= begin).order_by(h.hour)
        ).first()
    assert m1 is not None, "M1 never crossed 0.10"
    first_flag = next(hour for hour, p1, p2 in flagged if hour >= begin and (p1 or p2))
    assert first_flag + timedelta(hours=3) <= m1.hour
    # Nothing flagged in the six hours before the drift began.
    assert not [hour for hour, p1, p2 in flagged if begin - timedelta(hours=6) <= hour < begin and (p1 or p2)]


def test_cascade_risk_only_on_the_true_edge(incidents: tuple[Engine, GroundTruth]) -> None:
    engine, truth = incidents
    cascade = _incident(truth, "cascade")
    true_edge = (cascade.agents[0], cascade.agents[1])
    c = cascade_correlations.c
    with engine.connect() as connection:
        risky = connection.execute(
            select(c.upstream_agent_id, c.downstream_agent_id, c.hour).where(c.cascade_risk.is_(True))
        ).all()
    assert {(u, d) for u, d, _ in risky} == {true_edge}
    span = (cascade.start.replace(tzinfo=None), cascade.end.replace(tzinfo=None))
    assert any(span[0] <= hour < span[1] for _, _, hour in risky)


def test_clean_week_gives_no_breach(clean: tuple[Engine, GroundTruth]) -> None:
    engine, _ = clean
    t = drift_signals_hourly.c
    c = cascade_correlations.c
    h = agent_health.c
    signal_rules = ("p1_confidence_drift", "p2_entropy_shift", "p3_turn_acceleration", "c2_cascade_risk")
    with engine.connect() as connection:
        n_rows = len(connection.execute(select(t.hour)).all())
        breaches = connection.execute(
            select(t.hour, t.agent_id).where(
                t.p1_breach.is_(True) | t.p2_breach.is_(True) | t.p3_breach.is_(True))
        ).all()
        risky = connection.execute(select(c.hour).where(c.cascade_risk.is_(True))).all()
        statuses = {s for (s,) in connection.execute(select(h.status).where(h.rule.in_(signal_rules)))}
    assert n_rows == 168 * 5  # every agent has traffic every hour
    assert breaches == [] and risky == []
    assert statuses <= {"ok", "no_data"}
