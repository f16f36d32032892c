"""gpt-4.1 on tau2 airline, from the raw file through every hourly asset, against hand counts.

Counted from ../shared/data/tau2-bench/gpt-4.1_airline.json by reading the JSON
(`simulations[*]`, `messages[*].role`, `tool_calls[*].name`, tool `error`, `reward_info.reward`):

- 20 simulations (task ids 2, 6, 8, 13, 16, 18, 19, 22, 24, 25, 26, 29, 30, 31, 32, 35, 37,
  44, 45, 48, all trial 0): 20 sessions and 20 workflow runs.
- reward == 1 in 10 of them (tasks 6, 8, 13, 16, 18, 19, 29, 30, 31, 45), 0 in the other 10;
  termination_reason is `user_stop` for all 20.
- `transfer_to_human_agents` is called once in each of 3 simulations (tasks 6, 32, 44).
- messages: 226 assistant, 136 user, 148 tool (every one requested by the assistant, one per
  assistant tool call: 148 calls, so no call lacks a result); no user tool calls.
- 1 tool message with `error: true` (task 25, turn_idx 21: "Error: Payment amount does not
  add up, total price is 375, but paid 299").
- every timestamp lies in 2025-08-01 16:20:44 … 16:22:33 UTC: one hour, 16:00.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from agent_monitor_tests.pipeline.harness import TAU2, Built, ingest_and_build

AIRLINE = TAU2 / "gpt-4.1_airline.json"
AGENT = "gpt-4.1"
HOUR = datetime(2025, 8, 1, 16)

SIMULATIONS = 20
COMPLETED = 10
HANDOFF_SESSIONS = 3
HANDOFF_CALLS = 3
ASSISTANT_MESSAGES = 226
USER_MESSAGES = 136
TOOL_CALLS = 148
FAILED_TOOL_RESULTS = 1


@pytest.fixture(scope="module")
def built(module_warehouse_url: str, tmp_path_factory: pytest.TempPathFactory) -> Built:
    return ingest_and_build(module_warehouse_url, [AIRLINE], tmp_path_factory.mktemp("home"))


def test_every_event_is_accepted(built: Built) -> None:
    # 20 × (run started + run end) + 136 user + 226 assistant + 148 steps + 3 escalations
    # + 20 conversation steps = 40 + 136 + 226 + 148 + 3 + 20 = 573.
    (result,) = built.ingested
    assert (result.source_format, result.accepted, result.quarantined) == ("tau2", 573, 0)
    assert built.count_events() == 573
    assert built.count_events(event_type="workflow_step") == TOOL_CALLS + SIMULATIONS  # + conversation steps
    assert built.count_events(event_type="escalation", kind="handoff_request") == HANDOFF_CALLS


def test_one_run_builds_every_hourly_asset_over_the_one_hour(built: Built) -> None:
    assert (built.first_hour, built.last_hour) == (HOUR, HOUR)
    assert built.result.success
    materialized = {
        event.asset_key for event in built.result.get_asset_materialization_events()
    }
    assert materialized == set(built.built_keys)
    for name in ("drift_signals_hourly", "agent_health", "cascade_correlations"):
        assert built.table(name).name in {key.path[-1] for key in built.built_keys}


def test_sessions_turns_and_handoffs(built: Built) -> None:
    # One version row (gpt-4.1) in the one hour, plus the agent-level row ('').
    version_row = built.rows("agent_metrics_hourly", agent_id=AGENT, agent_version="gpt-4.1")
    assert [r["hour"] for r in version_row] == [HOUR]
    assert built.total("agent_metrics_hourly", "n_sessions", agent_id=AGENT) == SIMULATIONS
    assert (
        built.total("agent_metrics_hourly", "n_handoff_sessions", agent_id=AGENT)
        == HANDOFF_SESSIONS
    )
    # One agent_response per assistant message, the opening greeting included; all primary.
    assert built.total("agent_metrics_hourly", "n_responses", agent_id=AGENT) == ASSISTANT_MESSAGES
    assert built.count_events(event_type="agent_response") == ASSISTANT_MESSAGES
    assert built.total("agent_metrics_hourly", "user_turns", agent_id=AGENT) == USER_MESSAGES
    # M7 is agent-level (the '' row; NULL on the version row): 3 / 20 = 0.15
    (agent_row,) = built.rows("agent_metrics_hourly", agent_id=AGENT, agent_version="")
    assert agent_row["m7_escalation_rate"] == pytest.approx(0.15)
    assert version_row[0]["n_sessions"] is None


def test_runs_end_with_their_terminal_event_and_none_stalls(built: Built) -> None:
    # Every simulation ends with a completed (reward 1) or failed (reward 0) workflow_run.
    assert built.count_events(event_type="workflow_run", status="started") == SIMULATIONS
    assert built.count_events(event_type="workflow_run", status="completed") == COMPLETED
    assert built.count_events(event_type="workflow_run", status="failed") == SIMULATIONS - COMPLETED
    agent_row = built.rows("agent_metrics_hourly", agent_id=AGENT, agent_version="")
    assert len(agent_row) == 1
    # Every simulation calls at least one tool, so the agent ran a step in all 20 runs.
    assert agent_row[0]["n_runs_ended"] == SIMULATIONS
    assert agent_row[0]["n_runs_completed"] == COMPLETED
    assert agent_row[0]["m5_completion_rate"] == pytest.approx(10 / 20)


def test_the_failed_tool_result_is_the_one_failure_and_recovers(built: Built) -> None:
    assert built.count_events(event_type="workflow_step", status="failed") == FAILED_TOOL_RESULTS
    assert built.count_events(event_type="workflow_step", status="timed_out") == 0
    # No assistant message is an error: every response is `ok`.
    assert built.total("agent_metrics_hourly", "n_error_responses", agent_id=AGENT) == 0
    # No response carries validator `flags`: nothing could feed M4, so it is NULL, not 0.0.
    assert built.total("agent_metrics_hourly", "n_flag_checked", agent_id=AGENT) == 0
    assert {r["m4_hallucination_rate"] for r in built.rows("agent_metrics_hourly")} == {None}
    (agent_row,) = built.rows("agent_metrics_hourly", agent_id=AGENT, agent_version="")
    # M6: the failure (tool result 16:21:48.115935) recovers only through successful steps
    # (replies are another kind of outcome: no recovery). Across all 20 concurrent
    # simulations the tool results (no `error`) and conversation ends (max(end_time, last
    # message)) after it, in time order, start a run of three successes at 16:21:50.924456:
    # one incident, recovered after 50.924456 − 48.115935 = 2.808521 s.
    assert agent_row["n_incidents_recovered"] == 1
    assert agent_row["m6_mttr_seconds"] == pytest.approx(2.808521, abs=1e-6)
    assert agent_row["m6_open_incident_age_seconds"] is None
    # One failure chain, rooted at the call in message 20 of task 25 (its result is message 21);
    # the retried booking that follows succeeded, so nothing downstream failed; reward 0.
    (chain,) = built.rows("failure_chains")
    assert chain["root_step_id"] == "step:20.0"
    assert (chain["root_status"], chain["blast_radius"], chain["run_status"]) == ("failed", 0, "failed")
    assert not chain["run_completed"]


def test_health_has_rows_for_the_agent(built: Built) -> None:
    health = built.rows("agent_health", agent_id=AGENT, hour=HOUR)
    overall = [r for r in health if r["rule"] == "overall"]
    assert len(overall) == 1
    by_rule = {r["rule"]: r for r in health if r["scope"] == ""}
    # M5 10/20 = 0.5 and M7 3/20 = 0.15 reach the health table unchanged.
    assert by_rule["m5_workflow_completion"]["value"] == pytest.approx(0.5)
    assert by_rule["m7_escalation_rate"]["value"] == pytest.approx(0.15)
    assert built.rows("drift_signals_hourly", agent_id=AGENT, hour=HOUR)
