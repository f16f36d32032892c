"""gpt-4.1 and its fine-tuned version on tau2 airline: shadow pairs in decision_consistency_hourly.

Counted from the two raw files (`simulations[*].task_id`, `.trial`, and the assistant
`tool_calls[*].name` / `.arguments`):

- gpt-4.1_airline.json and gpt-4.1-finetuned_airline.json both run the same 20 tasks, trial 0
  (ids 2, 6, 8, 13, 16, 18, 19, 22, 24, 25, 26, 29, 30, 31, 32, 35, 37, 44, 45, 48): 20 pairs.
- The decision of a run is the set of its state-changing tool calls (name + arguments;
  lookups `get_*`, `search_*`, `calculate` left out; a handoff compared without its summary).
  The two versions took the same actions on 7 tasks (6, 8, 16, 18, 19, 30, 31) and different
  ones on 13:
    2   send_certificate amount 100 vs 50
    13  nothing vs a handoff
    22  update_reservation_baggages nonfree_baggages 1 vs 0 (the other two updates equal)
    24  book HAT069 back + cancel H9ZU1C vs book HAT276 back, no cancel
    25  two bookings paid gift card + credit card vs paid by certificate
    26  cancel 3FRNFB vs a handoff
    29  baggage + flight update vs a handoff
    32  a handoff vs update_reservation_flights OWZ4XL
    35  book HAT023 + cancel vs book HAT069/HAT258 + cancel + handoff
    37  cancels IFOYYZ and NQNU5R vs NQNU5R only (same flight update)
    44  a handoff vs a cancel and three flight updates
    45  nothing vs cancel PEP4E0
    48  cancel 3RK2T9 vs a handoff
- The fine-tuned file's timestamps lie in 2025-08-01 15:53:26 … 15:56:59, the base file's in
  16:20:44 … 16:22:33: pairs count in the primary's hour, 16:00.
- fine-tuned: 268 assistant messages, 134 user, 147 tool calls, 6 handoff calls in 6
  simulations (tasks 6, 13, 26, 29, 35, 48), reward 1 in 13.
"""

from __future__ import annotations

from datetime import datetime

import pytest

from agent_monitor_tests.pipeline.harness import TAU2, Built, ingest_and_build

PRIMARY = TAU2 / "gpt-4.1_airline.json"
SHADOW = TAU2 / "gpt-4.1-finetuned_airline.json"
FINETUNED = "ft:gpt-4.1-2025-04-14:sierra:tau2-full-sft:BzrYdMNm"
AGENT = "gpt-4.1"
PRIMARY_HOUR = datetime(2025, 8, 1, 16)
SHADOW_HOUR = datetime(2025, 8, 1, 15)

PAIRS = 20
DISAGREEMENTS = 13


@pytest.fixture(scope="module")
def built(module_warehouse_url: str, tmp_path_factory: pytest.TempPathFactory) -> Built:
    return ingest_and_build(
        module_warehouse_url, [PRIMARY, SHADOW], tmp_path_factory.mktemp("home")
    )


def test_both_files_are_accepted_and_built_in_one_run(built: Built) -> None:
    # Base: 573 events (test_tau2_airline). Fine-tuned: 20 × 2 runs + 134 + 268 + 147 + 6
    # + 20 conversation steps = 615.
    assert [(r.accepted, r.quarantined) for r in built.ingested] == [(573, 0), (615, 0)]
    assert (built.first_hour, built.last_hour) == (SHADOW_HOUR, PRIMARY_HOUR)
    assert built.result.success


def test_shadow_pairs_and_disagreements(built: Built) -> None:
    (row,) = built.rows("decision_consistency_hourly")
    assert (row["hour"], row["agent_id"], row["decision_name"], row["decision_path"]) == (
        PRIMARY_HOUR, AGENT, "actions", "content",
    )
    assert (row["n_shadow_pairs"], row["n_shadow_disagreements"]) == (PAIRS, DISAGREEMENTS)
    assert row["disagreement_rate"] == pytest.approx(13 / 20)
    # Each task runs once per version: no repeated-input group.
    assert row["n_repeated_groups"] == 0
    # The same figures on the primary version's hourly row.
    (primary,) = built.rows("agent_metrics_hourly", agent_id=AGENT, agent_version="gpt-4.1")
    assert (primary["n_shadow_pairs"], primary["n_shadow_disagreements"]) == (PAIRS, DISAGREEMENTS)


def test_only_the_final_shadow_responses_leave_the_primary_metrics(built: Built) -> None:
    assert built.count_events(event_type="agent_response", deployment="shadow") == PAIRS
    (tuned,) = built.rows("agent_metrics_hourly", agent_id=AGENT, agent_version=FINETUNED)
    assert tuned["hour"] == SHADOW_HOUR
    # 268 assistant messages − 20 final responses marked shadow = 248.
    assert tuned["n_responses"] == 248
    # Sessions are agent-level (the '' row): each hour holds the one version that answered then.
    agent_rows = {r["hour"]: r for r in built.rows("agent_metrics_hourly", agent_id=AGENT, agent_version="")}
    shadow_hour = agent_rows[SHADOW_HOUR]
    assert (shadow_hour["n_sessions"], shadow_hour["n_handoff_sessions"], shadow_hour["user_turns"]) == (20, 6, 134)
    # The base version's figures are those of the file alone.
    (primary,) = built.rows("agent_metrics_hourly", agent_id=AGENT, agent_version="gpt-4.1")
    assert primary["n_responses"] == 226
    assert (agent_rows[PRIMARY_HOUR]["n_sessions"], agent_rows[PRIMARY_HOUR]["n_handoff_sessions"]) == (20, 3)
    # M5 is agent-level: each hour holds the runs of the version that ran then.
    runs = {
        r["hour"]: (r["n_runs_ended"], r["n_runs_completed"])
        for r in built.rows("agent_metrics_hourly", agent_id=AGENT, agent_version="")
    }
    assert runs == {SHADOW_HOUR: (20, 13), PRIMARY_HOUR: (20, 10)}


def test_health_reports_the_disagreement_on_the_content_path(built: Built) -> None:
    rows = built.rows("agent_health", agent_id=AGENT, hour=PRIMARY_HOUR, rule="m3_decision_disagreement")
    by_scope = {r["scope"]: r for r in rows}
    assert by_scope["content"]["value"] == pytest.approx(13 / 20)
    assert by_scope["content"]["n_samples"] == PAIRS
