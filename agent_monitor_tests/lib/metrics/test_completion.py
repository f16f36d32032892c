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


def step(eid: str, run_id: str, when, agent: str, status: str) -> dict:
    return event(
        eid,
        "workflow_step",
        when,
        workflow_id="refund",
        workflow_run_id=run_id,
        step_id=eid,
        agent_id=agent,
        status=status,
    )


RUNS = [
    run("r1a", "r1", at(10), "started"),
    run("r1z", "r1", at(10, 11), "failed"),
    run("r2a", "r2", at(10), "started"),
    run("r2z", "r2", at(10, 25), "completed"),
    run("r3a", "r3", at(10, 30), "started"),
    run("r4a", "r4", at(11, 40), "started"),
    run("r5z", "r5", at(10, 50), "abandoned"),
    run("r6y", "r6", at(10, 31), "failed"),
    run("r6x", "r6", at(10, 30), "completed"),  # the earliest terminal event wins
]
STEPS = [
    step("r1s1", "r1", at(10, 5), "A", "succeeded"),
    step("r1s2", "r1", at(10, 10), "B", "failed"),
    step("r2s1", "r2", at(10, 20), "A", "succeeded"),
    step("r3s1", "r3", at(10, 50), "B", "succeeded"),  # r3's last event
    step("r4s1", "r4", at(11, 45), "A", "succeeded"),  # r4's last event
]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (
            epoch(12),
            # r3: last event 10:50 + 30 min = 11:20 <= 12:00 -> stalled at 11:20
            # r4: last event 11:45 + 30 min = 12:15 > 12:00 -> still open, not listed
            [
                ("r1", "failed", at(10, 11), {"A", "B"}),
                ("r2", "completed", at(10, 25), {"A"}),
                ("r3", "stalled", at(11, 20), {"B"}),
                ("r5", "abandoned", at(10, 50), set()),
                ("r6", "completed", at(10, 30), set()),
            ],
        ),
        (
            epoch(12, 15),  # exactly 30 min after r4's last event: stalled now
            [
                ("r1", "failed", at(10, 11), {"A", "B"}),
                ("r2", "completed", at(10, 25), {"A"}),
                ("r3", "stalled", at(11, 20), {"B"}),
                ("r4", "stalled", at(12, 15), {"A"}),
                ("r5", "abandoned", at(10, 50), set()),
                ("r6", "completed", at(10, 30), set()),
            ],
        ),
        (
            epoch(11, 19, 59),  # one second before r3 would stall: r3 and r4 open
            [
                ("r1", "failed", at(10, 11), {"A", "B"}),
                ("r2", "completed", at(10, 25), {"A"}),
                ("r5", "abandoned", at(10, 50), set()),
                ("r6", "completed", at(10, 30), set()),
            ],
        ),
    ],
)
def test_workflow_outcomes(now: float, expected: list[tuple]) -> None:
    outcomes = workflow_outcomes(RUNS, STEPS, now)
    assert [(o.workflow_run_id, o.outcome, o.ended_at, set(o.agents)) for o in outcomes] == expected
    assert all(o.workflow_id == "refund" for o in outcomes)


@pytest.mark.parametrize(
    ("start", "end", "overall", "per_agent"),
    [
        # hour 10: r1 failed, r2 completed, r5 abandoned, r6 completed -> 2/4
        # A ran steps in r1, r2 -> 1/2; B in r1 -> 0/1
        (epoch(10), epoch(11), CompletionCount(4, 2), {"A": (2, 1, 0.5), "B": (1, 0, 0.0)}),
        # hour 11: r3 stalled at 11:20 -> 0/1; B ran its step -> 0/1
        (epoch(11), epoch(12), CompletionCount(1, 0), {"B": (1, 0, 0.0)}),
        # hour 12 (now = 12:00): nothing ended -> no data, rate None
        (epoch(12), epoch(13), CompletionCount(0, 0), {}),
    ],
)
def test_completion_rates_per_window(
    start: float, end: float, overall: CompletionCount, per_agent: dict
) -> None:
    ended = in_window(workflow_outcomes(RUNS, STEPS, epoch(12)), start, end)
    assert completion_count(ended) == overall
    assert {
        agent: (c.n_runs_ended, c.n_runs_completed, c.completion_rate)
        for agent, c in completion_by_agent(ended).items()
    } == per_agent


def test_no_runs_is_no_data() -> None:
    assert completion_count([]).completion_rate is None


def test_dataframe_inputs_give_the_same_outcomes() -> None:
    outcomes = workflow_outcomes(pd.DataFrame(RUNS), pd.DataFrame(STEPS), epoch(12))
    # r3 stalled: last event 10:50 + 30 min = 11:20, as a plain datetime
    stalled = [o for o in outcomes if o.outcome == "stalled"]
    assert [(o.workflow_run_id, o.ended_at, o.ended_at_epoch) for o in stalled] == [
        ("r3", at(11, 20), epoch(11, 20))
    ]
    assert len(outcomes) == 5
