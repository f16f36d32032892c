"""session_coherence, M2 in agent_metrics_hourly, and decision_consistency_hourly."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from agent_monitor.lib.warehouse.tables_metrics import agent_metrics_hourly as metrics
from agent_monitor.lib.warehouse.tables_metrics import decision_consistency_hourly as decisions
from agent_monitor.lib.warehouse.tables_metrics import session_coherence as sessions
from agent_monitor_tests.defs.metrics.harness import Seeded, escalation, hour
from agent_monitor_tests.events import response, user_message


def ts(clock: str) -> str:
    return f"2026-01-05T{clock}Z"


def long_session_before_70() -> list[dict[str, Any]]:
    """Turns 1, 45, 49, 50, 60 of session s1 in hour 10."""
    return [
        user_message("u1", ts("10:00:00"), facts_provided=["A", "budget=50000"],
                     fields_provided=["budget"]),
        user_message("u45", ts("10:10:00"), turn=45, facts_provided=["B"]),
        response("r49", ts("10:12:00"), turn=49, fields_requested=["budget"]),
        # intro: A 1 (early), B 45 and budget=60000 50 (recent, 30…50) → early 1, recent 2
        response("r50", ts("10:15:00"), turn=50, facts_referenced=["A", "B", "budget=60000"]),
        user_message("u60", ts("10:20:00"), turn=60, facts_provided=["C"]),
    ]


def turn_70() -> list[dict[str, Any]]:
    # A (1) early; B (45) not in 50…70; C (60) recent → early 1, recent 1
    return [response("r70", ts("11:05:00"), turn=70, facts_referenced=["A", "B", "C"])]


def test_m2_per_hour_for_a_session_crossing_turns_50_and_70(warehouse_url: str, tmp_path: Path) -> None:
    seeded = Seeded(warehouse_url, tmp_path)
    seeded.ingest(long_session_before_70() + turn_70())
    seeded.materialize("2026-01-05-10:00", "2026-01-05-11:00", selection=["agent_metrics_hourly"])
    h10 = seeded.one(metrics, hour=hour("2026-01-05-10:00"), agent_id="billing")
    h11 = seeded.one(metrics, hour=hour("2026-01-05-11:00"), agent_id="billing")
    assert (h10["n_late_responses"], h10["m2_early_refs"], h10["m2_recent_refs"]) == (1, 1, 2)
    assert h10["m2_coherence_ratio"] == pytest.approx(0.5)
    assert (h11["n_late_responses"], h11["m2_early_refs"], h11["m2_recent_refs"]) == (1, 1, 1)
    assert h11["m2_coherence_ratio"] == pytest.approx(1.0)


def test_session_row_moves_to_the_hour_of_its_last_event(warehouse_url: str, tmp_path: Path) -> None:
    seeded = Seeded(warehouse_url, tmp_path)
    seeded.ingest(long_session_before_70())
    seeded.materialize("2026-01-05-10:00", selection=["session_coherence"])
    first = seeded.one(sessions, session_id="s1")
    assert first["hour"] == hour("2026-01-05-10:00")
    assert (first["n_late_responses"], first["early_refs"], first["recent_refs"]) == (1, 1, 2)
    seeded.ingest(turn_70())
    seeded.materialize("2026-01-05-11:00", selection=["session_coherence"])
    row = seeded.one(sessions, session_id="s1")  # moved, not duplicated
    assert row["hour"] == hour("2026-01-05-11:00")
    # Late responses at 50 and 70: early 1 + 1, recent 2 + 1 → ratio 2/3.
    assert (row["n_late_responses"], row["early_refs"], row["recent_refs"]) == (2, 2, 3)
    assert row["coherence_ratio"] == pytest.approx(2 / 3)
    assert row["reasked_fields"] == ["budget"] and row["n_reasked_fields"] == 1
    assert row["contradicted_facts"] == ["budget=50000"] and row["n_contradicted_facts"] == 1
    assert row["flagged"] is True
    assert row["flag_reasons"] == ["reasked_field", "contradicted_fact"]
    assert row["agent_ids"] == ["billing"]
    assert (row["n_responses"], row["max_turn"]) == (3, 70)
    # Rebuilding hour 10 now writes nothing for s1 and does not remove hour 11's row.
    seeded.materialize("2026-01-05-10:00", selection=["session_coherence"])
    assert seeded.one(sessions, session_id="s1")["hour"] == hour("2026-01-05-11:00")


def test_only_a_primary_event_after_the_window_takes_the_session_from_it(warehouse_url: str, tmp_path: Path) -> None:
    """s1: u1 10:00, r1 10:01 (hour 10), then a shadow of r1 at 11:05 (does not move it), then
    an escalation at 11:10 (moves it: its last event is then in hour 11)."""
    seeded = Seeded(warehouse_url, tmp_path)
    seeded.ingest([
        user_message("u1", ts("10:00:00")),
        response("r1", ts("10:01:00")),
        response("sh1", ts("11:05:00"), deployment="shadow", shadow_of="r1", agent_id="shadow-only"),
    ])
    seeded.materialize("2026-01-05-10:00", selection=["session_coherence"])
    seeded.materialize("2026-01-05-11:00", selection=["session_coherence"])
    row = seeded.one(sessions, session_id="s1")
    assert row["hour"] == hour("2026-01-05-10:00")
    assert (row["n_events"], row["last_ts"]) == (2, hour("2026-01-05-10:00") + timedelta(minutes=1))
    seeded.ingest([escalation("x1", ts("11:10:00"), "s1", "handoff_request")])
    seeded.materialize("2026-01-05-11:00", selection=["session_coherence"])
    row = seeded.one(sessions, session_id="s1")  # moved, not duplicated
    assert row["hour"] == hour("2026-01-05-11:00")
    # u1, r1 and the escalation (the shadow is not an event of the session's summary).
    assert (row["n_events"], row["n_responses"], row["agent_ids"]) == (3, 1, ["billing"])
    assert row["last_ts"] == hour("2026-01-05-11:00") + timedelta(minutes=10)
    # Rebuilding hour 10 now writes nothing for s1 and leaves hour 11's row.
    seeded.materialize("2026-01-05-10:00", selection=["session_coherence"])
    assert seeded.one(sessions, session_id="s1")["hour"] == hour("2026-01-05-11:00")


def test_shadow_responses_do_not_enter_the_session_profile(warehouse_url: str, tmp_path: Path) -> None:
    seeded = Seeded(warehouse_url, tmp_path)
    seeded.ingest([
        user_message("u1", ts("10:00:00"), fields_provided=["budget"]),
        response("r1", ts("10:01:00")),
        response("s1", ts("10:01:01"), deployment="shadow", shadow_of="r1",
                 fields_requested=["budget"], agent_id="shadow-only"),
    ])
    seeded.materialize("2026-01-05-10:00", selection=["session_coherence"])
    row = seeded.one(sessions, session_id="s1")
    assert (row["flagged"], row["n_responses"], row["agent_ids"]) == (False, 1, ["billing"])


def test_sessions_without_profiler_work_are_summarised_in_sql(warehouse_url: str, tmp_path: Path) -> None:
    """s2 has nothing for the profiler (no late turn, no requested field, no name=value facts);
    s3 requests a field the user only provides afterwards (not a re-ask); s4 re-asks and
    references another city than the user gave."""
    seeded = Seeded(warehouse_url, tmp_path)
    seeded.ingest([
        user_message("a1", ts("10:00:00"), session_id="s2", facts_provided=["order:1"], fields_provided=["budget"]),
        response("a2", ts("10:00:05"), session_id="s2", facts_referenced=["order:1"]),
        # A shadow that re-asks: shadows are not profiled, and it does not count as an event.
        response("a3", ts("10:00:06"), session_id="s2", deployment="shadow", shadow_of="a2",
                 fields_requested=["budget"], agent_id="shadow-only"),
        user_message("a4", ts("10:01:00"), session_id="s2", turn=2),
        response("a5", ts("10:01:05"), session_id="s2", turn=2, agent_id="refunds"),
        {"event_id": "a6", "event_type": "escalation", "ts": ts("10:02:00"), "session_id": "s2",
         "kind": "handoff_request", "agent_id": "refunds"},
        response("b1", ts("10:30:00"), session_id="s3", fields_requested=["email"]),
        user_message("b2", ts("10:31:00"), session_id="s3", turn=2, fields_provided=["email"]),
        user_message("c1", ts("10:40:00"), session_id="s4", fields_provided=["email"], facts_provided=["city=Oslo"]),
        response("c2", ts("10:40:05"), session_id="s4", turn=2, fields_requested=["email"],
                 facts_referenced=["city=Lima"]),
    ])
    seeded.materialize("2026-01-05-10:00", selection=["session_coherence"])
    s2 = seeded.one(sessions, session_id="s2")
    # Events: a1, a2, a4, a5 and the escalation a6 (the shadow a3 is left out) → 5, from 10:00:00 to 10:02:00.
    assert (s2["hour"], s2["n_events"], s2["n_responses"], s2["max_turn"]) == (hour("2026-01-05-10:00"), 5, 2, 2)
    assert (s2["first_ts"], s2["last_ts"]) == (hour("2026-01-05-10:00"), hour("2026-01-05-10:00").replace(minute=2))
    assert s2["agent_ids"] == ["billing", "refunds"]
    assert (s2["n_late_responses"], s2["early_refs"], s2["recent_refs"], s2["coherence_ratio"]) == (0, 0, 0, None)
    assert (s2["reasked_fields"], s2["n_reask_requests"], s2["contradicted_facts"]) == ([], 0, [])
    assert (s2["flagged"], s2["flag_reasons"]) == (False, [])
    s3 = seeded.one(sessions, session_id="s3")
    # email was requested at turn 1 and provided at turn 2: not a re-ask.
    assert (s3["n_events"], s3["n_responses"], s3["max_turn"], s3["agent_ids"]) == (2, 1, 2, ["billing"])
    assert (s3["reasked_fields"], s3["flagged"]) == ([], False)
    s4 = seeded.one(sessions, session_id="s4")
    assert (s4["reasked_fields"], s4["n_reask_requests"], s4["contradicted_facts"]) == (["email"], 1, ["city=Oslo"])
    assert (s4["flagged"], s4["flag_reasons"]) == (True, ["reasked_field", "contradicted_fact"])


def decision(value: str) -> dict[str, str]:
    return {"name": "refund", "value": value, "path": "approval"}


def test_decision_consistency_pairs_and_repeated_inputs(warehouse_url: str, tmp_path: Path) -> None:
    seeded = Seeded(warehouse_url, tmp_path)
    seeded.ingest([
        response("p1", ts("10:01:00"), input_hash="h1", decision=decision("approve")),
        response("p2", ts("10:02:00"), input_hash="h1", decision=decision("approve")),
        response("p3", ts("10:03:00"), input_hash="h1", decision=decision("deny")),
        response("p4", ts("10:04:00"), input_hash="h2", decision=decision("deny")),  # alone
        response("p5", ts("11:01:00"), input_hash="h1", decision=decision("deny")),  # hour 11
        response("s1", ts("10:01:05"), deployment="shadow", shadow_of="p1", decision=decision("deny")),
        response("s3", ts("10:03:05"), deployment="shadow", shadow_of="p3", decision=decision("deny")),
        response("s4", ts("10:04:05"), deployment="shadow", shadow_of="p4",
                 decision={"name": "other", "value": "x", "path": "approval"}),  # no pair
    ])
    seeded.materialize("2026-01-05-10:00", selection=["decision_consistency_hourly"])
    row = seeded.one(decisions, hour=hour("2026-01-05-10:00"), agent_id="billing")
    # Pairs (p1,s1) disagree, (p3,s3) agree → 1/2. Group h1 in hour 10: approve ×2, deny ×1
    # → 3 responses, 2 agreeing → 2/3; h2 has one response: not a group.
    assert (row["decision_name"], row["decision_path"]) == ("refund", "approval")
    assert (row["n_shadow_pairs"], row["n_shadow_disagreements"]) == (2, 1)
    assert row["disagreement_rate"] == pytest.approx(0.5)
    assert (row["n_repeated_groups"], row["n_repeated_responses"], row["n_repeated_agreeing"]) == (1, 3, 2)
    assert row["repeated_agreement"] == pytest.approx(2 / 3)
