import pytest

from agent_monitor.lib.metrics.recovery import (
    Outcome,
    RecoveryState,
    outcomes_by_agent,
    recovery_incidents,
    recovery_window,
)
from agent_monitor_tests.lib.metrics.helpers import at, epoch, event

T0 = epoch(10)
SYNCED = RecoveryState(synced=True)


def seq(*items: tuple[float, str]) -> list[Outcome]:
    """Outcomes at T0 + offset seconds; 'F' failure, 'S' success; ids o00, o01, ..."""
    return [Outcome(T0 + t, f"o{i:02d}", kind == "S") for i, (t, kind) in enumerate(items)]


@pytest.mark.parametrize(
    ("outcomes", "expected"),
    [
        # F@0 opens; S@60 starts the run S,S,S -> recovered at 60: 60 s
        (seq((0, "F"), (60, "S"), (120, "S"), (180, "S")), [(0, 60, 180)]),
        # a failure during the recovery run restarts the count; the incident stays the one
        # opened at 0: S@10,S@20 then F@30; run S@40,S@50,S@60 -> 40 s
        (
            seq((0, "F"), (10, "S"), (20, "S"), (30, "F"), (40, "S"), (50, "S"), (60, "S")),
            [(0, 40, 60)],
        ),
        # two incidents; F@110 while already unhealthy opens nothing new: 10 s and 100 s
        (
            seq(
                (0, "F"),
                (10, "S"),
                (20, "S"),
                (30, "S"),
                (100, "F"),
                (110, "F"),
                (200, "S"),
                (210, "S"),
                (220, "S"),
            ),
            [(0, 10, 30), (100, 200, 220)],
        ),
        # two successes only: still open, nothing recovered
        (seq((0, "F"), (10, "S"), (20, "S")), []),
        # no failure at all
        (seq((0, "S"), (10, "S")), []),
    ],
)
def test_incidents(outcomes: list[Outcome], expected: list[tuple[float, float, float]]) -> None:
    incidents, _ = recovery_incidents(outcomes, SYNCED)
    assert [
        (i.opened_at - T0, i.recovered_at - T0, i.confirmed_at - T0) for i in incidents
    ] == expected
    assert [i.recovery_s for i in incidents] == [r - o for o, r, _ in expected]


@pytest.mark.parametrize(
    ("outcomes", "recovery_s"),
    [
        # same ts: e0 (failure) sorts before e1 (success): F, S@0, S@5, S@6 -> 0 s
        ([(T0, "e1", True), (T0, "e0", False), (T0 + 5, "e2", True), (T0 + 6, "e3", True)], 0),
        # same ts, ids swapped: S, F@0, then S@5, S@6, S@7 -> 5 s
        (
            [
                (T0, "e0", True),
                (T0, "e1", False),
                (T0 + 5, "e2", True),
                (T0 + 6, "e3", True),
                (T0 + 7, "e4", True),
            ],
            5,
        ),
    ],
)
def test_ties_are_broken_by_event_id(outcomes: list[tuple], recovery_s: float) -> None:
    incidents, _ = recovery_incidents(outcomes, SYNCED)
    assert [i.recovery_s for i in incidents] == [recovery_s]


SPANNING = [
    Outcome(epoch(10, 58), "f1", False),
    Outcome(epoch(11, 3), "s1", True),
    Outcome(epoch(11, 4), "s2", True),
    Outcome(epoch(11, 5), "s3", True),
]


def test_incident_spanning_two_hours() -> None:
    hour10 = recovery_window(SPANNING, epoch(10), epoch(11), SYNCED)
    # open at 10:58, nothing recovered yet; age at 11:00 = 120 s
    assert hour10.recovered == ()
    assert hour10.mttr_s is None
    assert hour10.open_incident is not None and hour10.open_incident.opened_at == epoch(10, 58)
    assert hour10.open_age_s == 120.0
    # hour 11 from the full history: recovers at 11:03 -> 11:03 − 10:58 = 300 s
    hour11 = recovery_window(SPANNING, epoch(11), epoch(12), SYNCED)
    assert [i.recovery_s for i in hour11.recovered] == [300.0]
    assert (hour11.n_recovered, hour11.recovery_s_sum, hour11.mttr_s) == (1, 300.0, 300.0)
    assert hour11.open_incident is None and hour11.open_age_s is None


@pytest.mark.parametrize("outcomes", [SPANNING[1:], SPANNING])
def test_carried_state_gives_the_same_hour(outcomes: list[Outcome]) -> None:
    # hour 11 from hour 10's final state plus hour 11's outcomes; outcomes already consumed
    # by the state (the 10:58 failure) are skipped, so passing them again changes nothing
    state = recovery_window(SPANNING, epoch(10), epoch(11), SYNCED).state_at_end
    hour11 = recovery_window(outcomes, epoch(11), epoch(12), state)
    assert [i.recovery_s for i in hour11.recovered] == [300.0]


def test_recovery_confirmed_after_the_window_counts_in_the_next_hour() -> None:
    outcomes = [
        Outcome(epoch(10, 50), "f1", False),
        Outcome(epoch(10, 58), "s1", True),
        Outcome(epoch(10, 59), "s2", True),
        Outcome(epoch(11, 1), "s3", True),  # third success: confirmed in hour 11
    ]
    hour10 = recovery_window(outcomes, epoch(10), epoch(11), SYNCED)
    assert hour10.recovered == ()
    assert hour10.open_age_s == 600.0  # 11:00 − 10:50
    hour11 = recovery_window(outcomes, epoch(11), epoch(12), SYNCED)
    assert [i.recovery_s for i in hour11.recovered] == [480.0]  # 10:58 − 10:50


def test_open_incident_at_window_end_with_its_age() -> None:
    outcomes = [
        Outcome(epoch(9, 30), "f1", False),
        Outcome(epoch(10, 10), "s1", True),
        Outcome(epoch(10, 20), "f2", False),  # restarts the count; incident still from 09:30
        Outcome(epoch(11, 30), "s2", True),  # after the window: ignored
    ]
    window = recovery_window(outcomes, epoch(10), epoch(11), SYNCED)
    assert window.open_incident is not None
    assert window.open_incident.opened_at == epoch(9, 30)
    assert window.open_age_s == 5400.0  # 11:00 − 09:30 = 90 min
    assert window.recovered == ()


@pytest.mark.parametrize(
    ("outcomes", "truncated"),
    [
        # look-back starts with a failure: the incident may have opened before it
        (seq((0, "F"), (10, "S"), (20, "S"), (30, "S")), True),
        # S, S then F: 2 successes do not prove health, still possibly truncated
        (seq((0, "S"), (5, "S"), (10, "F"), (20, "S"), (21, "S"), (22, "S")), True),
        # 3 successes first: healthy for sure, the failure at 10 opens an exact incident
        (seq((0, "S"), (1, "S"), (2, "S"), (10, "F"), (20, "S"), (21, "S"), (22, "S")), False),
    ],
)
def test_bounded_look_back_marks_possibly_truncated_incidents(
    outcomes: list[Outcome], truncated: bool
) -> None:
    incidents, state = recovery_incidents(outcomes)  # fresh state: unknown history
    assert [i.truncated for i in incidents] == [truncated]
    assert state.synced is True  # every case ends with a run of 3 successes


def test_outcomes_from_events() -> None:
    rows = [
        event("e1", "agent_response", at(10, 1), agent_id="A", status="ok"),
        event("e2", "agent_response", at(10, 2), agent_id="A", status="error"),
        event("e3", "agent_response", at(10, 3), agent_id="A", status=None),  # ok by default
        event(
            "e4", "agent_response", at(10, 4), agent_id="A", status="error", deployment="shadow"
        ),  # shadow: excluded
        event("e5", "workflow_step", at(10, 5), agent_id="A", status="succeeded"),
        event("e6", "workflow_step", at(10, 6), agent_id="B", status="failed"),
        event("e7", "workflow_step", at(10, 7), agent_id="B", status="timed_out"),
        event("e8", "workflow_step", at(10, 8), agent_id="B", status="skipped"),  # no outcome
        event("e9", "user_message", at(10, 9), session_id="s"),
    ]
    by_agent = outcomes_by_agent(rows)
    assert {a: [(o.event_id, o.success) for o in v] for a, v in by_agent.items()} == {
        "A": [("e1", True), ("e2", False), ("e3", True), ("e5", True)],
        "B": [("e6", False), ("e7", False)],
    }


def test_replies_after_a_failed_tool_call_are_no_recovery() -> None:
    # A step fails at 0; three ok replies (10, 20, 30) recover nothing; three succeeded
    # steps at 40, 50, 60 recover it at 40: recovery time 40 s.
    outcomes = [
        (0.0, "s0", False, "workflow_step"),
        (10.0, "r1", True, "agent_response"),
        (20.0, "r2", True, "agent_response"),
        (30.0, "r3", True, "agent_response"),
        (40.0, "s1", True, "workflow_step"),
        (45.0, "r4", True, "agent_response"),
        (50.0, "s2", True, "workflow_step"),
        (60.0, "s3", True, "workflow_step"),
    ]
    incidents, state = recovery_incidents(outcomes)
    assert [(i.opened_event_id, i.recovered_event_id, i.recovery_s) for i in incidents] == [
        ("s0", "s1", 40.0)]
    assert state.open_incident is None
    # Without the steps the incident is still open.
    _, open_state = recovery_incidents(outcomes[:4])
    assert open_state.open_incident is not None and open_state.open_incident.opened_at == 0.0


def test_a_failure_of_the_other_kind_restarts_the_run() -> None:
    outcomes = [
        (0.0, "s0", False, "workflow_step"),
        (10.0, "s1", True, "workflow_step"),
        (20.0, "r1", False, "agent_response"),
        (30.0, "s2", True, "workflow_step"),
        (40.0, "s3", True, "workflow_step"),
        (50.0, "s4", True, "workflow_step"),
    ]
    incidents, _ = recovery_incidents(outcomes)
    assert [(i.recovered_event_id, i.recovery_s) for i in incidents] == [("s2", 30.0)]


def test_a_failed_response_recovers_through_steps_too() -> None:
    # A response fails at 0; a reply at 10 and two succeeded steps at 15 and 25 make three
    # successes in a row: recovered at 10 (10 s). A failed step is not mended that way (above).
    outcomes = [
        (0.0, "r0", False, "agent_response"),
        (10.0, "r1", True, "agent_response"),
        (15.0, "s1", True, "workflow_step"),
        (25.0, "s2", True, "workflow_step"),
    ]
    incidents, state = recovery_incidents(outcomes)
    assert [(i.opened_event_id, i.recovered_event_id, i.recovery_s) for i in incidents] == [("r0", "r1", 10.0)]
    assert state.open_incident is None
