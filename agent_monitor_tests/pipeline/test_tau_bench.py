"""gpt-4o on tau-bench airline: the whole file ingested, the first day (trial 0) built.

tau-bench has no timestamps; the adapter's synthetic clock puts trial k of task n at
2024-06-01T00:00Z + k days + n × 20 min, message i (system prompt = 0) i × 20 s later, the run
end at len(traj) × 20 s. Trial 0 therefore fills 2024-06-01 00:00 … 16:40 (task 49 starts at
16:20 and lasts at most 62 × 20 s = 20 min 40 s); the other trials lie on later days.

Counted from ../shared/data/tau-bench/gpt-4o-airline.json (roles, `tool_calls[*].function.name`,
tool content starting with "Error", `reward`, with the clock above):

- whole file: 200 trajectories, 1490 user, 2454 assistant, 1164 tool messages (one per
  assistant tool call), 48 `transfer_to_human_agents` calls, 73 tool results starting "Error".
- trial 0: 50 trajectories (tasks 0–49), 642 assistant and 410 user messages; no session has
  messages in two clock hours, so each counts in one hour only.
- trial 0: 9 trajectories call `transfer_to_human_agents` (tasks 4, 18, 28, 30, 37, 38, 40,
  42, 48), once each.
- trial 0: reward 1 in 21; 5 trajectories make no tool call at all (tasks 1, 8, 9, 16 with
  reward 0, task 29 with reward 1). A run counts for an agent's M5 only when the agent ran a
  step in it (SPEC M5); the conversation itself is the agent's step, so all 50 runs count,
  21 of them completed.
- trial 0 M6: every failure is a tool result starting "Error", and an incident recovers only
  through successful steps (tool results, and each trajectory's conversation step at its
  end), never through replies. Replayed in clock order, the step outcomes give 7 incidents,
  recovered after 40, 360, 40, 600, 200, 40 and 160 s: Σ 1440 s.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from agent_monitor_tests.pipeline.harness import TAU_BENCH, Built, ingest_and_build

TRAJECTORIES = TAU_BENCH / "gpt-4o-airline.json"
AGENT = "gpt-4o"
FIRST_HOUR = datetime(2024, 6, 1, 0)
LAST_TRIAL0_HOUR = datetime(2024, 6, 1, 16)


@pytest.fixture(scope="module")
def built(module_warehouse_url: str, tmp_path_factory: pytest.TempPathFactory) -> Built:
    return ingest_and_build(
        module_warehouse_url, [TRAJECTORIES], tmp_path_factory.mktemp("home"),
        last_hour=LAST_TRIAL0_HOUR,
    )


def test_whole_file_is_accepted(built: Built) -> None:
    # 200 × 2 run events + 1490 user + 2454 assistant + 1164 tool steps + 200 conversation
    # steps + 48 escalations = 5756.
    (result,) = built.ingested
    assert (result.source_format, result.accepted, result.quarantined) == ("tau-bench", 5756, 0)
    assert built.count_events(event_type="workflow_step", status="failed") == 73
    assert built.count_events(event_type="escalation") == 48
    assert (built.first_hour, built.last_hour) == (FIRST_HOUR, LAST_TRIAL0_HOUR)
    assert built.result.success


def test_trial0_sessions_turns_and_handoffs(built: Built) -> None:
    total = lambda column: built.total("agent_metrics_hourly", column, agent_id=AGENT)  # noqa: E731
    assert total("n_sessions") == 50
    assert total("n_handoff_sessions") == 9
    assert total("n_responses") == 642
    assert total("user_turns") == 410
    assert total("n_error_responses") == 0
    assert {r["agent_version"] for r in built.rows("agent_metrics_hourly")} == {"", "gpt-4o"}


def test_trial0_runs_completion_and_recovery(built: Built) -> None:
    total = lambda column: built.total("agent_metrics_hourly", column, agent_id=AGENT)  # noqa: E731
    assert (total("n_runs_ended"), total("n_runs_completed")) == (50, 21)
    assert total("n_incidents_recovered") == 7
    assert total("m6_recovery_seconds_sum") == pytest.approx(1440.0)
    # Every session is profiled once (one row per session of the built hours).
    assert len(built.rows("session_coherence")) == 50


def test_trial0_health_rows(built: Built) -> None:
    overall = [r for r in built.rows("agent_health", agent_id=AGENT) if r["rule"] == "overall"]
    assert sorted(r["hour"] for r in overall) == [datetime(2024, 6, 1, h) for h in range(17)]


def test_profiler_findings_reach_session_coherence(built: Built) -> None:
    # Task 26, trial 0: user ID and reservations given at turn 3, both asked again at turn 12
    # (read by hand; agent_monitor_tests/lib/adapters/test_profiler_real.py).
    (row,) = built.rows("session_coherence", session_id="tau-bench:gpt-4o-airline:task26:trial0")
    assert row["flagged"] is True or row["flagged"] == 1
    assert row["reasked_fields"] == ["reservation_id", "user_id"]
    assert [(f["kind"], f["turn"], f["detail"]) for f in row["findings"]] == [
        ("reasked_field", 12, "reservation_id"), ("reasked_field", 12, "user_id")]
    # Trial 0 sessions flagged: tasks 23 and 26 (re-asks) and nothing else.
    flagged = sorted(r["session_id"] for r in built.rows("session_coherence") if r["flagged"])
    assert flagged == ["tau-bench:gpt-4o-airline:task23:trial0",
                       "tau-bench:gpt-4o-airline:task26:trial0"]
