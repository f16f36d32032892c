import pytest

from agent_monitor.lib.metrics.escalation import (
    EscalationCount,
    escalation_rates,
    escalation_sessions,
    sessions_by_agent,
)
from agent_monitor_tests.lib.metrics.helpers import at, event


def reply(eid: str, session: str, agent: str, version: str = "v1", **extra) -> dict:
    return event(
        eid,
        "agent_response",
        at(10),
        session_id=session,
        agent_id=agent,
        agent_version=version,
        **extra,
    )


def escalate(eid: str, session: str, kind: str) -> dict:
    return event(eid, "escalation", at(10, 30), session_id=session, kind=kind)


RESPONSES = [
    reply("r1", "s1", "A"),
    reply("r2", "s1", "A"),
    reply("r3", "s2", "A"),
    reply("r4", "s3", "A", version="v2"),
    reply("r5", "s3", "B"),
    reply("r6", "s4", "C", deployment="shadow"),  # C only shadowed: no sessions
    reply("r7", "s5", "A", deployment="shadow"),  # s5 is not A's session
    event("u1", "user_message", at(10), session_id="s6"),
]
ESCALATIONS = [
    escalate("x1", "s1", "handoff_request"),
    escalate("x2", "s1", "handoff_request"),  # twice in s1: one session
    escalate("x3", "s3", "handoff_request"),
    escalate("x4", "s2", "abandon"),
    escalate("x5", "s5", "handoff_request"),  # only a shadow responded in s5
]


def test_sessions_and_escalation_sets() -> None:
    assert sessions_by_agent(RESPONSES) == {"A": {"s1", "s2", "s3"}, "B": {"s3"}}
    assert sessions_by_agent(RESPONSES, by_version=True) == {
        ("A", "v1"): {"s1", "s2"},
        ("A", "v2"): {"s3"},
        ("B", "v1"): {"s3"},
    }
    assert escalation_sessions(ESCALATIONS, "handoff_request") == {"s1", "s3", "s5"}
    assert escalation_sessions(ESCALATIONS, "abandon") == {"s2"}


@pytest.mark.parametrize(
    ("agent", "counts", "handoff_rate", "abandon_rate"),
    [
        # A: sessions s1, s2, s3; handoffs in s1, s3 -> 2/3; abandon in s2 -> 1/3
        ("A", EscalationCount(3, 2, 1), 2 / 3, 1 / 3),
        # B: session s3; handoff in s3 -> 1/1; no abandon -> 0/1 = 0.0 (data, not None)
        ("B", EscalationCount(1, 1, 0), 1.0, 0.0),
    ],
)
def test_escalation_rates(
    agent: str, counts: EscalationCount, handoff_rate: float, abandon_rate: float
) -> None:
    rates = escalation_rates(
        sessions_by_agent(RESPONSES),
        escalation_sessions(ESCALATIONS, "handoff_request"),
        escalation_sessions(ESCALATIONS, "abandon"),
    )
    assert set(rates) == {"A", "B"}
    assert rates[agent] == counts
    assert rates[agent].handoff_rate == pytest.approx(handoff_rate)
    assert rates[agent].abandon_rate == pytest.approx(abandon_rate)


def test_no_sessions_is_no_data() -> None:
    rates = escalation_rates({"A": set()}, {"s1"}, set())
    assert rates["A"] == EscalationCount(0, 0, 0)
    assert (rates["A"].handoff_rate, rates["A"].abandon_rate) == (None, None)
