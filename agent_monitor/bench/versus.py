"""Ours against the peer on one hour: the same outputs, timed side by side, compared row by row.

Ours: the library functions the hourly assets call (read, compute, write), on a warehouse
where the hour has been built once. The peer: DuckDB (bench/peer.py) loading the same events
and computing the same outputs. Each output's ratio is our seconds ÷ the peer's; the peer's
load is reported apart and in the total.
"""

from __future__ import annotations

import time
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select

from agent_monitor.bench import columnar, peer
from agent_monitor.lib.alerting.rules import RuleSet
from agent_monitor.lib.config import load_config
from agent_monitor.lib.metrics.coherence import CoherenceFlagRule
from agent_monitor.lib.reviews.build import day_span, rebuild_queue
from agent_monitor.lib.rollup import build_agent_metrics, build_session_coherence
from agent_monitor.lib.rollup.calibration import m1_by_hour
from agent_monitor.lib.rollup.coherence import m2_by_hour
from agent_monitor.lib.rollup.recovery import m6_by_hour
from agent_monitor.lib.rollup.workflows import m5_by_hour
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor.lib.warehouse.results import result_dicts
from agent_monitor.lib.warehouse.tables_metrics import agent_metrics_hourly, session_coherence
from agent_monitor.lib.warehouse.tables_reviews import review_queue

OUTPUTS = ("agent_hour", "m2", "session_profiles", "review_sample")


def _flag_rule(config: Any) -> CoherenceFlagRule:
    rule = config.rules.get("m2_context_coherence")
    default = CoherenceFlagRule()
    if rule is None:
        return default
    return CoherenceFlagRule(
        min_ratio=rule.threshold if rule.threshold is not None else default.min_ratio,
        min_late_responses=rule.min_samples if rule.min_samples is not None else default.min_late_responses,
    )


def _clock(function: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    began = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - began


def _ours(engine: Any, start: datetime, end: datetime, as_of: datetime, config: Any) -> dict[str, Any]:
    seconds: dict[str, float] = {}
    _, seconds["agent_hour"] = _clock(build_agent_metrics, engine, start, end, as_of)
    with engine.connect() as connection:
        # M1, M5 and M6 are in our agent-hour build but not in the peer's: timed apart.
        _, m1 = _clock(m1_by_hour, connection, start, end)
        _, m5 = _clock(m5_by_hour, connection, start, end, as_of)
        _, m6 = _clock(m6_by_hour, connection, start, end, as_of)
        _, seconds["m2"] = _clock(m2_by_hour, connection, start, end)
    seconds["agent_hour_without_m1_m5_m6"] = max(0.0, seconds["agent_hour"] - m1 - m5 - m6)
    _, seconds["session_profiles"] = _clock(build_session_coherence, engine, start, end, _flag_rule(config))
    _, seconds["review_sample"] = _clock(
        rebuild_queue, engine, start, end, config.review, now=as_of,
        critical_paths=RuleSet.from_config(config).critical_paths)
    return seconds


def _peer_outputs(
    con: Any, start: datetime, end: datetime, as_of: datetime, config: Any
) -> tuple[dict[str, Any], dict[str, float]]:
    """The peer's four outputs on a DuckDB connection holding `raw_events`, and their seconds."""
    outputs: dict[str, Any] = {}
    seconds: dict[str, float] = {}
    outputs["agent_hour"], seconds["agent_hour"] = _clock(peer.agent_hour, con, start, end, as_of)
    outputs["m2"], seconds["m2"] = _clock(peer.m2, con, start, end)
    outputs["session_profiles"], seconds["session_profiles"] = _clock(
        peer.session_profiles, con, start, end, _flag_rule(config))
    outputs["review_sample"], seconds["review_sample"] = _clock(
        peer.review_sample, con, start, end, config.review, RuleSet.from_config(config).critical_paths)
    return outputs, seconds


def _peer(
    engine: Any, start: datetime, end: datetime, as_of: datetime, config: Any
) -> tuple[dict[str, Any], dict, dict[str, Any]]:
    """The peer's seconds and outputs, and the columnar path's figures (bench/columnar.py)."""
    con = peer.connect()
    events, load = _clock(peer.load, con, engine, start, end)
    outputs, seconds = _peer_outputs(con, start, end, as_of, config)
    path = columnar.measure(con, engine, start, outputs,
                            lambda other: _peer_outputs(other, start, end, as_of, config))
    con.close()
    return {"events_loaded": events, "load": load, **seconds}, outputs, path


def mismatches(engine: Any, start: datetime, end: datetime, outputs: dict[str, Any]) -> dict[str, list[str]]:
    """Per output, where the peer's rows differ from the rows our assets wrote."""
    with engine.connect() as connection:
        hourly = result_dicts(connection.execute(select(agent_metrics_hourly).where(
            agent_metrics_hourly.c.hour >= start, agent_metrics_hourly.c.hour < end)))
        sessions = result_dicts(connection.execute(select(session_coherence).where(
            session_coherence.c.hour >= start, session_coherence.c.hour < end)))
        day_start, day_end = day_span(start, end)
        queue = result_dicts(connection.execute(select(review_queue).where(
            review_queue.c.day >= day_start, review_queue.c.day < day_end)))
    hourly_keyed = peer.keyed(hourly, "hour", "agent_id", "agent_version")
    ours = {
        "agent_hour": hourly_keyed,
        "m2": {k: r for k, r in hourly_keyed.items() if r["n_late_responses"]},
        "session_profiles": peer.keyed(sessions, "session_id"),
        "review_sample": peer.keyed(queue, "event_id"),
    }
    return {name: peer.differences(ours[name], peer.output_keyed(name, outputs[name]), peer.COLUMNS[name],
                                   peer.agent_hour_default if name == "agent_hour" else None)
            for name in OUTPUTS}


def versus(url: str, key: str, config_path: str | None = None, as_of: datetime | None = None) -> dict[str, Any]:
    """Time ours and the peer on the hour `key` (already built once) and compare their rows."""
    start = datetime.strptime(key, "%Y-%m-%d-%H:%M")
    end = start + timedelta(hours=1)
    as_of = as_of or datetime.now().replace(microsecond=0)
    config = load_config(config_path)
    engine = open_warehouse(url)
    try:
        ours = _ours(engine, start, end, as_of, config)
        theirs, outputs, path = _peer(engine, start, end, as_of, config)
        wrong = mismatches(engine, start, end, outputs)
    finally:
        engine.dispose()
    ratios = {name: ours[name] / theirs[name] if theirs[name] else None for name in OUTPUTS}
    ratios["agent_hour_without_m1_m5_m6"] = (
        ours["agent_hour_without_m1_m5_m6"] / theirs["agent_hour"] if theirs["agent_hour"] else None)
    ours_total = sum(ours[name] for name in OUTPUTS)
    peer_total = sum(theirs[name] for name in OUTPUTS) + theirs["load"]
    return {
        "ours_seconds": ours, "peer_seconds": theirs, "ratios": ratios,
        "ours_total_seconds": ours_total, "peer_total_seconds_with_load": peer_total,
        "total_ratio": ours_total / peer_total if peer_total else None,
        "columnar": {**path, "ours_total_ratio": (ours_total / path["over_parquet_total_seconds"]
                                                  if path["over_parquet_total_seconds"] else None)},
        "rows": {name: len(outputs[name]) for name in OUTPUTS},
        "mismatches": {name: len(found) for name, found in wrong.items()},
        "first_mismatches": {name: found[:3] for name, found in wrong.items() if found},
    }
