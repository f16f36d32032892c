"""M5 outcomes as SPEC §4 with the §8 readings: activity, stalls, late terminal statuses, as of."""

import pandas as pd
import pytest

from agent_monitor.lib.metrics.completion import (
    CompletionCount,
    completion_by_agent,
    completion_count,
    in_window,
    workflow_outcomes,
)
from agent_monitor_tests.lib.metrics.helpers import at, epoch, event


def run(eid: str, run_id: str, when, status: str) -> dict:
    return event(
        eid, "workflow_run", when, workflow_id="refund", workflow_run_id=run_id, status=status
    )


def step(eid: str, run_id: str, when, agent: str, status: str, started_at=None) -> dict:
    return event(
        eid,
        "workflow_step",
        when,
        workflow_id="refund",
        workflow_run_id=run_id,
        step_id=eid,
        agent_id=agent,
        status=status,
        started_at=started_at,
    )


EVENTS = [
    # r1: failed at 10:11; A and B ran steps.
    run("r1a", "r1", at(10), "started"),
    step("r1s1", "r1", at(10, 5), "A", "succeeded"),
    step("r1s2", "r1", at(10, 10), "B", "failed"),
    run("r1z", "r1", at(10, 11), "failed"),
    # r2: completed at 10:25; A.
    run("r2a", "r2", at(10), "started"),
    step("r2s1", "r2", at(10, 20), "A", "succeeded"),
    run("r2z", "r2", at(10, 25), "completed"),
    # r3: last activity 10:50, no terminal status: stalled at 11:20; B.
    run("r3a", "r3", at(10, 30), "started"),
    step("r3s1", "r3", at(10, 50), "B", "succeeded"),
    # r4: last activity 11:45: stalls at 12:15 once that moment has passed; A.
    run("r4a", "r4", at(11, 40), "started"),
    step("r4s1", "r4", at(11, 45), "A", "succeeded"),
    # r5: only a terminal status.
    run("r5z", "r5", at(10, 50), "abandoned"),
    # r6: two terminal statuses: the first (10:30, completed) ends the run.
    run("r6y", "r6", at(10, 31), "failed"),
    run("r6x", "r6", at(10, 30), "completed"),
    # r7: one step that ran 34 minutes (10:01 → 10:35), then completed at 10:36: completed, for C.
    run("r7a", "r7", at(10), "started"),
    step("r7s1", "r7", at(10, 35), "C", "succeeded", started_at=at(10, 1)),
    run("r7z", "r7", at(10, 36), "completed"),
    # r8: a 40-minute silence inside the run does not cut it: last activity 09:50 → stalled
    # at 10:20, for D and E (E's step came after the silence).
    run("r8a", "r8", at(9), "started"),
    step("r8s1", "r8", at(9, 10), "D", "succeeded"),
    step("r8s2", "r8", at(9, 50), "E", "succeeded"),
    # r9: quiet from 10:05 until its terminal status at 11:50: completed at 11:50, once known.
    run("r9a", "r9", at(10), "started"),
    step("r9s1", "r9", at(10, 5), "A", "succeeded"),
    run("r9z", "r9", at(11, 50), "completed"),
]

AT_NOON = [
    ("r1", "failed", at(10, 11), {"A", "B"}),
    ("r2", "completed", at(10, 25), {"A"}),
    ("r3", "stalled", at(11, 20), {"B"}),
    ("r5", "abandoned", at(10, 50), set()),
    ("r6", "completed", at(10, 30), set()),
    ("r7", "completed", at(10, 36), {"C"}),
    ("r8", "stalled", at(10, 20), {"D", "E"}),
    ("r9", "completed", at(11, 50), {"A"}),
]


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        # r4: last activity 11:45 + 30 min = 12:15 > 12:00: still open, not listed.
        (epoch(12), AT_NOON),
        # Exactly 30 min of silence is not yet a stall.
        (epoch(12, 15), AT_NOON),
        # One second later r4 has stalled, at 12:15.
        (epoch(12, 15, 1), sorted([*AT_NOON, ("r4", "stalled", at(12, 15), {"A"})])),
        # As of 11:00 r9's terminal status (11:50) has not happened: last activity 10:05, so it
        # stalled at 10:35. r3 (10:50 + 30 min = 11:20) is open; r4 has not started.
        (epoch(11), [
            ("r1", "failed", at(10, 11), {"A", "B"}),
            ("r2", "completed", at(10, 25), {"A"}),
            ("r5", "abandoned", at(10, 50), set()),
            ("r6", "completed", at(10, 30), set()),
            ("r7", "completed", at(10, 36), {"C"}),
            ("r8", "stalled", at(10, 20), {"D", "E"}),
            ("r9", "stalled", at(10, 35), {"A"}),
        ]),
        # As of 10:10 nothing has ended: r8 stalls at 10:20, the others are running.
        (epoch(10, 10), []),
    ],
)
def test_workflow_outcomes(as_of: float, expected: list[tuple]) -> None:
    outcomes = workflow_outcomes(EVENTS, as_of)
    assert [(o.workflow_run_id, o.outcome, o.ended_at, set(o.agents)) for o in outcomes] == expected
    assert all(o.workflow_id == "refund" for o in outcomes)


@pytest.mark.parametrize(
    ("start", "end", "overall", "per_agent"),
    [
        # hour 10: r1 failed, r2 completed, r5 abandoned, r6 completed, r7 completed, r8 stalled
        # -> 3/6. A ran steps in r1, r2 -> 1/2; B in r1 -> 0/1; C in r7 -> 1/1; D, E in r8 -> 0/1.
        (epoch(10), epoch(11), CompletionCount(6, 3),
         {"A": (2, 1, 0.5), "B": (1, 0, 0.0), "C": (1, 1, 1.0), "D": (1, 0, 0.0), "E": (1, 0, 0.0)}),
        # hour 11: r3 stalled at 11:20 (B), r9 completed at 11:50 (A) -> 1/2.
        (epoch(11), epoch(12), CompletionCount(2, 1), {"A": (1, 1, 1.0), "B": (1, 0, 0.0)}),
        # hour 12 (as of 12:00): nothing ended -> no data, rate None
        (epoch(12), epoch(13), CompletionCount(0, 0), {}),
    ],
)
def test_completion_rates_per_window(
    start: float, end: float, overall: CompletionCount, per_agent: dict
) -> None:
    ended = in_window(workflow_outcomes(EVENTS, epoch(12)), start, end)
    assert completion_count(ended) == overall
    assert {
        agent: (c.n_runs_ended, c.n_runs_completed, c.completion_rate)
        for agent, c in completion_by_agent(ended).items()
    } == per_agent


def test_a_response_naming_its_step_counts_its_agent() -> None:
    # A run whose only worker is a conversational agent: its responses carry the run and step.
    events = [
        run("a", "rx", at(10), "started"),
        event("resp", "agent_response", at(10, 2), agent_id="chat", workflow_run_id="rx", step_id="talk"),
        run("z", "rx", at(10, 3), "completed"),
    ]
    [outcome] = workflow_outcomes(events, epoch(11))
    assert (outcome.outcome, set(outcome.agents)) == ("completed", {"chat"})


def test_a_skipped_step_does_not_count_its_agent() -> None:
    # Step "fetch" of agent "up" failed, so "decide" of agent "down" was skipped: "down" never
    # ran in the run, whose failure counts against "up" only.
    events = [
        run("a", "rx", at(10), "started"),
        event("s1", "workflow_step", at(10, 1), agent_id="up", workflow_run_id="rx", step_id="fetch",
              status="failed"),
        event("s2", "workflow_step", at(10, 1), agent_id="down", workflow_run_id="rx", step_id="decide",
              status="skipped", depends_on=["fetch"]),
        run("z", "rx", at(10, 2), "failed"),
    ]
    [outcome] = workflow_outcomes(events, epoch(11))
    assert (outcome.outcome, set(outcome.agents)) == ("failed", {"up"})
    assert set(completion_by_agent([outcome])) == {"up"}


def test_no_runs_is_no_data() -> None:
    assert completion_count([]).completion_rate is None


def test_dataframe_inputs_give_the_same_outcomes() -> None:
    outcomes = workflow_outcomes(pd.DataFrame(EVENTS), epoch(12))
    stalled = [o for o in outcomes if o.outcome == "stalled"]
    # r3: 10:50 + 30 min; r8: 09:50 + 30 min
    assert [(o.workflow_run_id, o.ended_at, o.ended_at_epoch) for o in stalled] == [
        ("r3", at(11, 20), epoch(11, 20)), ("r8", at(10, 20), epoch(10, 20))
    ]
    assert len(outcomes) == 8
