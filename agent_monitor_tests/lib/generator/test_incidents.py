"""Each injected incident is visible in the raw events, and absent outside its span."""

from __future__ import annotations

import math
from collections import defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from agent_monitor.lib.cascades.chains import failure_chains
from agent_monitor.lib.generator import GeneratorSettings, IncidentSpec, generate
from agent_monitor.lib.generator.ground_truth import GROUND_TRUTH_FILE, GroundTruth
from agent_monitor_tests.lib.generator.events_io import read_events

START = datetime(2026, 1, 5, tzinfo=UTC)


def _at(hours: float) -> datetime:
    return START + timedelta(hours=hours)


SETTINGS = GeneratorSettings(
    seed=11,
    hours=24,
    incidents=(
        IncidentSpec("context_decay", ("support-chat",), _at(2), _at(10)),
        IncidentSpec("cascade", ("retrieval-agent", "billing-agent"), _at(10), _at(16)),
        IncidentSpec("hallucination_drift", ("billing-agent",), _at(16), _at(22)),
    ),
)


@pytest.fixture(scope="module")
def generated(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("incidents")
    generate(SETTINGS, out)
    return out


@pytest.fixture(scope="module")
def events(generated: Path) -> list[dict[str, Any]]:
    return read_events(generated)


def _hour(event: dict[str, Any]) -> float:
    moment = datetime.fromisoformat(event["ts"])
    return (moment - START).total_seconds() / 3600


def _billing(events: list[dict[str, Any]], first: float, last: float) -> list[dict[str, Any]]:
    return [
        e
        for e in events
        if e["event_type"] == "agent_response"
        and e["agent_id"] == "billing-agent"
        and e["deployment"] == "primary"
        and e["status"] == "ok"
        and first <= _hour(e) < last
    ]


def _entropy(response: dict[str, Any]) -> float:
    values = []
    for position in response["top_logprobs"]:
        probs = [math.exp(v) for v in position]
        total = sum(probs)
        values.append(-sum(p / total * math.log(p / total) for p in probs))
    return sum(values) / len(values)


def test_drift_lowers_confidence(events: list[dict[str, Any]]) -> None:
    before = np.mean([e["confidence"] for e in _billing(events, 15, 16)])
    last = np.mean([e["confidence"] for e in _billing(events, 21, 22)])
    # healthy mean ≈ 0.86; in the last drift hour (t = 5..6 h) the drop is at its 0.40 floor
    assert before > 0.8
    assert before - last > 0.3


def test_drift_raises_entropy_in_its_first_hour(events: list[dict[str, Any]]) -> None:
    before = np.mean([_entropy(e) for e in _billing(events, 15, 16)])
    first = np.mean([_entropy(e) for e in _billing(events, 16, 17)])
    # top-1 probability falls from 0.93 towards 0.65 within the first hour
    assert first - before > 0.2


def test_drift_opens_a_gap_between_confidence_and_reviewed_accuracy(
    events: list[dict[str, Any]],
) -> None:
    verdicts = {
        e["target_event_id"]: e["verdict"]
        for e in events
        if e["event_type"] == "review" and e["verdict"] != "unverifiable"
    }

    def gap(first: float, last: float) -> float:
        reviewed = [e for e in _billing(events, first, last) if e["event_id"] in verdicts]
        confidence = np.mean([e["confidence"] for e in reviewed])
        accuracy = np.mean([verdicts[e["event_id"]] == "correct" for e in reviewed])
        return float(confidence - accuracy)

    # the hidden calibration gap is 0.05·t, 0.30 after ~4.7 h; healthy responses are calibrated
    assert abs(gap(0, 16)) < 0.08
    assert gap(19, 22) > 0.15


def test_drift_raises_the_hallucination_flag_rate(events: list[dict[str, Any]]) -> None:
    def rate(first: float, last: float) -> float:
        rows = _billing(events, first, last)
        return sum(any(f.startswith("hallucination") for f in e["flags"]) for e in rows) / len(rows)

    assert rate(0, 16) < 0.03
    assert rate(17, 22) > 0.1


def _coherence(events: list[dict[str, Any]]) -> dict[bool, list[int]]:
    """early refs, recent refs, re-asked fields of support-chat turns >= 50, by in-span."""
    intro: dict[str, dict[str, int]] = defaultdict(dict)
    provided: dict[str, set[str]] = defaultdict(set)
    totals = {True: [0, 0, 0], False: [0, 0, 0]}
    ordered = sorted(
        (e for e in events if e["event_type"] in ("user_message", "agent_response")),
        key=lambda e: (e["session_id"], e["turn"], e["event_type"] != "user_message", e["ts"]),
    )
    for e in ordered:
        session, turn = e["session_id"], e["turn"]
        for fact in e.get("facts_provided", []) + e.get("facts_referenced", []):
            intro[session].setdefault(fact, turn)
        if e["event_type"] == "user_message":
            provided[session].update(e["fields_provided"])
            continue
        if e["agent_id"] != "support-chat" or e["deployment"] != "primary" or turn < 50:
            continue
        if e["status"] != "ok":
            continue
        in_span = 2 <= _hour(e) < 10
        cell = totals[in_span]
        for fact in e["facts_referenced"]:
            cell[0] += intro[session][fact] <= 20
            cell[1] += turn - 20 <= intro[session][fact] <= turn
        cell[2] += any(f in provided[session] for f in e["fields_requested"])
    return totals


def test_context_decay_drops_early_fact_references(events: list[dict[str, Any]]) -> None:
    totals = _coherence(events)
    early_in, recent_in, reasked_in = totals[True]
    early_out, recent_out, reasked_out = totals[False]
    # healthy: early facts with p 0.65 and a recent one with p 0.9 → ratio ≈ 0.72;
    # decayed: 0.06 / 0.9 ≈ 0.07
    assert early_out / recent_out > 0.5
    assert early_in / recent_in < 0.2
    assert reasked_in > 5 * max(1, reasked_out)


def test_long_sessions_give_enough_late_responses_every_hour(events: list[dict[str, Any]]) -> None:
    late = defaultdict(int)
    for e in events:
        if e["event_type"] == "agent_response" and e["agent_id"] == "support-chat":
            if e["deployment"] == "primary" and e["turn"] >= 50:
                late[int(_hour(e))] += 1
    # from hour 1 on (the first long sessions reach turn 50 after ~25 minutes)
    assert min(late[h] for h in range(1, 24)) >= 20


def _bucket_rates(events: list[dict[str, Any]], agent: str) -> dict[int, tuple[int, int]]:
    cells: dict[int, list[int]] = defaultdict(lambda: [0, 0])
    for e in events:
        if e["event_type"] == "workflow_step" and e["agent_id"] == agent:
            if e["status"] == "skipped":
                continue
            cell = cells[int(_hour(e) * 4)]
            cell[0] += 1
            cell[1] += e["status"] in ("failed", "timed_out")
    return {b: (n, f) for b, (n, f) in cells.items()}


def _failure_rate(buckets: dict[int, tuple[int, int]], first_h: int, last_h: int) -> float:
    chosen = [buckets[b] for b in buckets if first_h * 4 <= b < last_h * 4]
    return sum(f for _, f in chosen) / sum(n for n, _ in chosen)


def test_cascade_raises_upstream_and_downstream_failures(events: list[dict[str, Any]]) -> None:
    upstream = _bucket_rates(events, "retrieval-agent")
    downstream = _bucket_rates(events, "billing-agent")
    # baseline 2 %; in the span about half the buckets burst at 25–45 %
    assert _failure_rate(upstream, 0, 10) < 0.05
    assert _failure_rate(upstream, 10, 16) > 0.12
    assert _failure_rate(downstream, 10, 16) > 3 * _failure_rate(downstream, 0, 10)


def _pearson(events: list[dict[str, Any]], up: str, down: str, first_h: int, last_h: int) -> float:
    a, b = _bucket_rates(events, up), _bucket_rates(events, down)
    shared = [k for k in range(first_h * 4, last_h * 4) if a.get(k, (0,))[0] >= 5 and b.get(k, (0,))[0] >= 5]
    x = [a[k][1] / a[k][0] for k in shared]
    y = [b[k][1] / b[k][0] for k in shared]
    return float(np.corrcoef(x, y)[0, 1])


def test_cascade_correlates_only_the_named_edge(events: list[dict[str, Any]]) -> None:
    # the 24 h ending with the cascade, as C2 would look at it
    assert _pearson(events, "retrieval-agent", "billing-agent", 0, 16) > 0.7
    assert _pearson(events, "triage-router", "retrieval-agent", 0, 16) < 0.5
    assert _pearson(events, "billing-agent", "compliance-agent", 0, 16) < 0.5


def test_steps_below_a_failed_step_are_recorded_skipped(events: list[dict[str, Any]]) -> None:
    steps = [e for e in events if e["event_type"] == "workflow_step"]
    status = {(e["workflow_run_id"], e["step_id"]): e["status"] for e in steps}
    skipped = [e for e in steps if e["status"] == "skipped" and e.get("error_type") == "upstream_failed"]
    assert skipped
    for step in skipped:
        # At least one dependency did not succeed, and the skipped step never started.
        assert any(status[(step["workflow_run_id"], d)] != "succeeded" for d in step["depends_on"])
        assert "started_at" not in step


def test_failure_chains_root_the_cascade_upstream(generated: Path, events: list[dict[str, Any]]) -> None:
    truth = GroundTruth.from_json((generated / GROUND_TRUTH_FILE).read_text())
    [cascade] = [i for i in truth.incidents if i.kind == "cascade"]
    upstream, downstream = cascade.agents[0], set(cascade.agents[1:])
    runs: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for e in events:
        if e["event_type"] == "workflow_step":
            runs[e["workflow_run_id"]].append(e)
    chains = [c for run_id, steps in runs.items() for c in failure_chains(steps, run_id)]

    def wide_upstream_roots(first: datetime, last: datetime) -> int:
        return sum(
            1 for c in chains
            if c.root_agent_id == upstream and c.blast_radius > 0
            and downstream <= set(c.affected_agents)
            and first <= datetime.fromisoformat(c.root_ts) < last
        )

    during = wide_upstream_roots(cascade.start, cascade.end)
    before = wide_upstream_roots(truth.start, cascade.start)
    # The cascade's root failures take the downstream agents' steps with them: many chains
    # rooted at the upstream agent reach billing during the 6 h span, against a baseline of
    # 0.5 % failed steps in the 10 h before it.
    assert during >= 20
    assert during / 6 > 5 * max(before, 1) / 10
    # A downstream step that was skipped because its upstream failed is never a root.
    assert not [c for c in chains if c.root_status == "skipped"]
