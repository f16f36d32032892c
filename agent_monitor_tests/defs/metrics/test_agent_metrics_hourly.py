"""agent_metrics_hourly through the asset: hand-computed rows, one hour at a time."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from agent_monitor.lib.warehouse.tables_metrics import agent_metrics_hourly as table
from agent_monitor_tests.defs.metrics.harness import (
    Seeded,
    escalation,
    hour,
    run,
    set_inclusion,
    step,
)
from agent_monitor_tests.events import response, review, user_message

H10 = "2026-01-05-10:00"
H11 = "2026-01-05-11:00"


def ts(clock: str) -> str:
    return f"2026-01-05T{clock}Z"


CASES: list[tuple[str, list[dict[str, Any]], str, dict[str, Any]]] = [
    (
        # r1 ok flagged 100 ms, r2 error 300 ms; r0 (09:59) and r9 (11:00) are other hours.
        # p50 = 100 + 0.5·(300−100) = 200; p95 = 100 + 0.95·200 = 290. M4: r1 carries flags,
        # so a validator ran in the hour and r2 (no flags) is a clean response: M4 = 1/2.
        "counts_latency_tokens",
        [
            response("r0", ts("09:59:59"), latency_ms=5000, status="error"),
            response("r1", ts("10:05:00"), latency_ms=100, confidence=0.9, input_tokens=10,
                     output_tokens=20, flags=["hallucination:unsupported"]),
            response("r2", ts("10:15:00"), latency_ms=300, status="error", confidence=0.5,
                     output_tokens=40),
            response("r9", ts("11:00:00"), latency_ms=7000, flags=["hallucination:x"]),
        ],
        H10,
        {"n_responses": 2, "n_error_responses": 1, "n_hallucination_flagged": 1,
         "n_flag_checked": 2, "m4_hallucination_rate": 0.5, "latency_p50_ms": 200.0, "latency_p95_ms": 290.0,
         "n_latency": 2, "input_tokens_sum": 10, "output_tokens_sum": 60, "n_output_tokens": 2,
         "n_confidence": 2, "confidence_sum": 1.4},  # 0.9 + 0.5
    ),
    (
        # The shadow is flagged and failed: it must not count anywhere but M3. r1 carries an
        # empty flags list: checked, nothing found, M4 = 0 / 1.
        "shadow_excluded",
        [
            response("r1", ts("10:05:00"), latency_ms=100, flags=[]),
            response("s1", ts("10:06:00"), latency_ms=900, status="error", deployment="shadow",
                     shadow_of="r1", flags=["hallucination:x"], session_id="s-shadow"),
        ],
        H10,
        {"n_responses": 1, "n_error_responses": 0, "n_hallucination_flagged": 0,
         "n_flag_checked": 1, "m4_hallucination_rate": 0.0, "latency_p50_ms": 100.0,
         "n_sessions": 1},
    ),
    (
        # Nothing reviewed, no late turns, no pairs, no runs, no response with `flags` (no
        # validator ran): every such rate is NULL, not 0.
        "zero_denominators_are_null",
        [response("r1", ts("10:05:00"))],
        H10,
        {"n_flag_checked": 0, "m4_hallucination_rate": None, "n_reviewed": 0, "m1_divergence": None, "m1_ece": None, "m1_brier": None,
         "n_late_responses": 0, "m2_coherence_ratio": None, "n_shadow_pairs": 0,
         "m3_disagreement_rate": None, "n_runs_ended": 0, "m5_completion_rate": None,
         "n_incidents_recovered": 0, "m6_mttr_seconds": None, "m6_open_incident_age_seconds": None},
    ),
    (
        # Sessions s1 (handoff), s2 (abandon), s3 (none), s4 (handoff at 11:01). Every session's
        # first response is in hour 10, so all four belong to hour 10 with their escalations,
        # whenever those happen (SPEC §8): M7 = 2/4, abandonment 1/4.
        # P3 (events inside the hour only): s1 events 10:00…10:10 → 10 min, 2 user turns;
        # s2 10:20:00…10:20:30 → 0.5 min → 1; s3 one event → 1; s4 one event → 1. Σ = 13.
        "escalation_and_turns",
        [
            user_message("u1", ts("10:00:00"), session_id="s1"),
            response("r1", ts("10:01:00"), session_id="s1"),
            user_message("u2", ts("10:05:00"), session_id="s1", turn=2),
            escalation("e1", ts("10:10:00"), "s1", "handoff_request"),
            user_message("u3", ts("10:20:00"), session_id="s2"),
            response("r2", ts("10:20:30"), session_id="s2"),
            escalation("e2", ts("10:20:10"), "s2", "abandon"),
            response("r3", ts("10:30:00"), session_id="s3"),
            response("r4", ts("10:40:00"), session_id="s4"),
            escalation("e4", ts("11:01:00"), "s4", "handoff_request"),
        ],
        H10,
        {"n_sessions": 4, "n_handoff_sessions": 2, "n_abandon_sessions": 1,
         "m7_escalation_rate": 0.5, "m7_abandonment_rate": 0.25, "user_turns": 3,
         "active_session_minutes": 13.0},
    ),
    (
        # Healthy (3 ok), error 10:50, ok 10:58, 10:59, 11:01: hour 10 has an open incident
        # aged 11:00 − 10:50 = 600 s; it recovers in hour 11 (third success) after 480 s.
        "incident_open_at_hour_end",
        [
            response("a1", ts("10:30:00")), response("a2", ts("10:35:00")),
            response("a3", ts("10:40:00")), response("a4", ts("10:50:00"), status="error"),
            response("a5", ts("10:58:00")), response("a6", ts("10:59:00")),
            response("a7", ts("11:01:00")),
        ],
        H10,
        {"n_incidents_recovered": 0, "m6_mttr_seconds": None,
         "m6_open_incident_age_seconds": 600.0, "m6_truncated": False},
    ),
    (
        "incident_recovers_next_hour",
        [
            response("a1", ts("10:30:00")), response("a2", ts("10:35:00")),
            response("a3", ts("10:40:00")), response("a4", ts("10:50:00"), status="error"),
            response("a5", ts("10:58:00")), response("a6", ts("10:59:00")),
            response("a7", ts("11:01:00")),
        ],
        H11,
        {"n_incidents_recovered": 1, "m6_recovery_seconds_sum": 480.0,
         "m6_mttr_seconds": 480.0, "m6_open_incident_age_seconds": None},
    ),
    (
        # Run A completes 10:20; run B's last event 09:50 → stalled 10:20 (read from hour 9);
        # run C's last event 10:45 → stalls 11:15, not in hour 10. Billing: 2 ended, 1 done.
        "workflow_completion",
        [
            step("a-s1", ts("10:10:00"), "A", "billing"),
            run("a-end", ts("10:20:00"), "A", "completed"),
            run("b-start", ts("09:49:00"), "B", "started"),
            step("b-s1", ts("09:50:00"), "B", "billing"),
            step("c-s1", ts("10:45:00"), "C", "billing"),
        ],
        H10,
        {"n_runs_ended": 2, "n_runs_completed": 1, "m5_completion_rate": 0.5,
         "n_responses": 0},
    ),
    (
        "workflow_stalled_next_hour",
        [
            step("c-s1", ts("10:45:00"), "C", "billing"),
            run("d-end", ts("11:05:00"), "D", "failed"),
            step("d-s1", ts("11:04:00"), "D", "billing", "failed"),
        ],
        H11,
        {"n_runs_ended": 2, "n_runs_completed": 0, "m5_completion_rate": 0.0},
    ),
    (
        # Shadow pairs summed over decisions: (approve, deny) disagree, (approve, approve) agree.
        "shadow_pairs_counted_in_m3",
        [
            response("p1", ts("10:05:00"), decision={"name": "refund", "value": "approve",
                                                     "path": "approval"}),
            response("s1", ts("10:05:01"), deployment="shadow", shadow_of="p1",
                     decision={"name": "refund", "value": "deny", "path": "approval"}),
            response("p2", ts("10:06:00"), decision={"name": "refund", "value": "approve",
                                                     "path": "approval"}),
            response("s2", ts("10:06:01"), deployment="shadow", shadow_of="p2",
                     decision={"name": "refund", "value": "approve", "path": "approval"}),
        ],
        H10,
        {"n_shadow_pairs": 2, "n_shadow_disagreements": 1, "m3_disagreement_rate": 0.5,
         "n_responses": 2},
    ),
]


@pytest.mark.parametrize(("name", "events", "partition", "expected"), CASES, ids=[c[0] for c in CASES])
def test_hourly_row(name: str, events: list[dict[str, Any]], partition: str,
                    expected: dict[str, Any], warehouse_url: str, tmp_path: Path) -> None:
    seeded = Seeded(warehouse_url, tmp_path)
    seeded.ingest(events)
    seeded.materialize(partition, selection=["agent_metrics_hourly"])
    row = seeded.one(table, hour=hour(partition), agent_id="billing", agent_version="")
    assert {k: row[k] for k in expected} == pytest.approx(expected)


def _m1_events() -> list[dict[str, Any]]:
    return [
        response("r1", ts("10:05:00"), confidence=0.9),
        response("r2", ts("10:10:00"), confidence=0.6),
        response("r3", ts("10:15:00")),  # no confidence: never an M1 input
        review("v1", "2026-01-06T09:00:00Z", "r1", "correct"),
        review("v2", "2026-01-06T09:00:00Z", "r2", "incorrect"),
        review("v3", "2026-01-06T09:00:00Z", "r3", "correct"),
    ]


def test_m1_weights_reviews_by_inverse_inclusion_probability(warehouse_url: str, tmp_path: Path) -> None:
    seeded = Seeded(warehouse_url, tmp_path)
    seeded.ingest(_m1_events())
    set_inclusion(seeded.engine, "r1", hour(H10).replace(minute=5), 0.5)  # w1 = 2; r2: π = 1
    seeded.materialize(H10, selection=["agent_metrics_hourly"])
    row = seeded.one(table, hour=hour(H10), agent_id="billing", agent_version="")
    # Σw = 3, Σwc = 2·0.9 + 0.6 = 2.4 → 0.8; Σwy = 2 → 2/3; gap = 0.8 − 2/3 = 0.1333.
    # Brier = (2·0.1² + 1·0.6²)/3 = 0.38/3; ECE = (|1.8 − 2| + |0.6 − 0|)/3 = 0.8/3.
    assert row["n_reviewed"] == 2
    assert row["m1_weight_sum"] == pytest.approx(3.0)
    assert row["m1_mean_confidence"] == pytest.approx(0.8)
    assert row["m1_accuracy"] == pytest.approx(2 / 3)
    assert row["m1_signed_gap"] == pytest.approx(0.8 - 2 / 3)
    assert row["m1_divergence"] == pytest.approx(0.8 - 2 / 3)
    assert row["m1_brier"] == pytest.approx(0.38 / 3)
    assert row["m1_ece"] == pytest.approx(0.8 / 3)
    # The review's own hour (09:00 next day) gets no M1 figures.
    assert seeded.rows(table, hour=hour("2026-01-06-09:00")) == []


def test_late_review_changes_m1_of_the_reviewed_hour(warehouse_url: str, tmp_path: Path) -> None:
    seeded = Seeded(warehouse_url, tmp_path)
    seeded.ingest([response("r1", ts("10:05:00"), confidence=0.9)])
    seeded.materialize(H10, selection=["agent_metrics_hourly"])
    before = seeded.one(table, hour=hour(H10), agent_id="billing")
    assert (before["n_reviewed"], before["m1_divergence"]) == (0, None)
    seeded.ingest([review("v1", "2026-01-08T12:00:00Z", "r1", "incorrect")])
    seeded.materialize(H10, selection=["agent_metrics_hourly"])
    after = seeded.one(table, hour=hour(H10), agent_id="billing")
    # One review, weight 1: confidence 0.9, accuracy 0 → divergence 0.9, Brier 0.81.
    assert after["n_reviewed"] == 1
    assert after["m1_divergence"] == pytest.approx(0.9)
    assert after["m1_brier"] == pytest.approx(0.81)


def test_late_shadow_changes_m3_and_rebuild_never_appends(warehouse_url: str, tmp_path: Path) -> None:
    seeded = Seeded(warehouse_url, tmp_path)
    decision = {"name": "refund", "value": "approve", "path": "approval"}
    seeded.ingest([response("p1", ts("10:05:00"), decision=decision)])
    seeded.materialize(H10, selection=["agent_metrics_hourly"])
    assert seeded.one(table, hour=hour(H10))["n_shadow_pairs"] == 0
    seeded.ingest([response("s1", ts("11:30:00"), deployment="shadow", shadow_of="p1",
                            decision={**decision, "value": "deny"})])
    seeded.materialize(H10, selection=["agent_metrics_hourly"])
    row = seeded.one(table, hour=hour(H10))  # one row: rebuilt, not appended
    assert (row["n_shadow_pairs"], row["n_shadow_disagreements"]) == (1, 1)
    assert row["m3_disagreement_rate"] == 1.0


def test_versions_get_their_own_rows_and_agent_level_figures_sit_on_the_blank_version(
    warehouse_url: str, tmp_path: Path
) -> None:
    seeded = Seeded(warehouse_url, tmp_path)
    seeded.ingest([
        response("r1", ts("10:05:00"), agent_version="b1"),
        response("r2", ts("10:06:00"), agent_version="b2", status="error"),
    ])
    seeded.materialize(H10, selection=["agent_metrics_hourly"])
    rows = {r["agent_version"]: r for r in seeded.rows(table, hour=hour(H10))}
    assert sorted(rows) == ["", "b1", "b2"]
    assert (rows["b1"]["n_responses"], rows["b2"]["n_error_responses"]) == (1, 1)
    assert rows["b1"]["n_runs_ended"] is None and rows["b1"]["n_incidents_recovered"] is None
    # Agent-level M6: ok then error → an open incident aged 11:00 − 10:06 = 3240 s.
    assert rows[""]["n_responses"] == 0
    assert rows[""]["m6_open_incident_age_seconds"] == pytest.approx(3240.0)
