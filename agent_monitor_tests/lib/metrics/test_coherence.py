from datetime import datetime, timedelta
from typing import Any

import pandas as pd
import pytest

from agent_monitor.lib.metrics.coherence import (
    CoherenceFlagRule,
    coherence_totals,
    session_profile,
)
from agent_monitor_tests.lib.metrics.helpers import at, event

START = at(9)


def _when(turn: int) -> datetime:
    return START + timedelta(minutes=turn)


def user(turn: int, facts: list[str] | None = None, fields: list[str] | None = None) -> dict:
    return event(
        f"u{turn}",
        "user_message",
        _when(turn),
        session_id="s1",
        turn=turn,
        facts_provided=facts or [],
        fields_provided=fields or [],
    )


def agent(
    turn: int, refs: list[str] | None = None, asks: list[str] | None = None, shadow: bool = False
) -> dict[str, Any]:
    return event(
        f"{'s' if shadow else 'a'}{turn}",
        "agent_response",
        _when(turn) + timedelta(seconds=30),
        session_id="s1",
        turn=turn,
        agent_id="support",
        agent_version="v1",
        deployment="shadow" if shadow else "primary",
        facts_referenced=refs or [],
        fields_requested=asks or [],
    )


# Introduction turns: mia 1, W1 15, W20 20, W21 21, W2 35, W3 45 (by the agent), W50 50
# (by the turn-50 response itself), W4 60 (the turn-10 shadow does not introduce it), W5 69.
LONG_SESSION = [
    agent(70, ["order:W1", "order:W4", "order:W3", "order:W3", "order:W5", "order:W50"]),
    user(1, ["user:mia"]),
    agent(5, ["user:mia"]),
    agent(10, ["order:W4"], shadow=True),
    user(15, ["order:W1"]),
    user(20, ["order:W20"]),
    user(21, ["order:W21"]),
    user(35, ["order:W2"]),
    agent(45, ["order:W3"]),
    agent(49, ["user:mia", "order:W1"]),  # turn < 50: not a late response
    agent(
        50, ["user:mia", "order:W1", "order:W20", "order:W21", "order:W2", "order:W3", "order:W50"]
    ),
    agent(60, ["order:W2", "order:W4"]),
    agent(60, ["user:mia", "order:W9"], shadow=True),
    user(69, ["order:W5"]),
    agent(70, ["user:mia", "order:W1"], shadow=True),
]
LONG_SESSION[0]["event_id"] = "a70"


def test_session_crossing_turn_50_and_70() -> None:
    profile = session_profile(LONG_SESSION)
    # turn 50: early = mia, W1, W20 = 3 (W21 is turn 21: not early);
    #          recent (30..50) = W2, W3, W50 (introduced at 50 itself) = 3
    # turn 60: early = 0; recent (40..60) = W4 = 1 (W2 at 35 is outside)
    # turn 70: early = W1 = 1; recent (50..70) = W4, W5, W50 = 3 (W3 at 45 outside,
    #          the duplicate W3 counts once anyway)
    assert [(r.turn, r.early, r.recent) for r in profile.late_responses] == [
        (50, 3, 3),
        (60, 0, 1),
        (70, 1, 3),
    ]
    assert profile.n_responses == 6  # turns 5, 45, 49, 50, 60, 70 (shadows excluded)
    assert profile.n_late_responses == 3
    assert (profile.early_refs, profile.recent_refs) == (4, 7)  # 3+0+1, 3+1+3
    assert profile.coherence_ratio == pytest.approx(4 / 7)
    assert profile.session_id == "s1"
    # 3 late responses < 20: the low ratio alone does not flag
    assert profile.flagged is False
    assert profile.late_responses[0].ts == _when(50) + timedelta(seconds=30)
    assert profile.late_responses[0].agent_id == "support"


def test_late_rows_sum_per_window() -> None:
    late = session_profile(LONG_SESSION).late_responses
    # only turns 60 and 70: early 0+1, recent 1+3
    assert coherence_totals(late[1:]) == (2, 1, 4, 0.25)
    assert coherence_totals([]) == (0, 0, 0, None)


def _uniform_session(n_late: int, new_facts: int) -> list[dict]:
    """User states fact x at turn 1; each late response uses x and new_facts brand-new facts."""
    rows = [user(1, ["x"])]
    for turn in range(50, 50 + n_late):
        rows.append(agent(turn, ["x"] + [f"f{turn}_{k}" for k in range(new_facts)]))
    return rows


@pytest.mark.parametrize(
    ("n_late", "new_facts", "rule", "ratio", "flagged"),
    [
        (20, 4, CoherenceFlagRule(), 0.25, True),  # 20/80 = 0.25 < 0.3 with 20 late
        (19, 4, CoherenceFlagRule(), 0.25, False),  # 19/76 = 0.25 but only 19 late
        (20, 2, CoherenceFlagRule(), 0.5, False),  # 20/40 = 0.5 >= 0.3
        (20, 4, CoherenceFlagRule(min_ratio=0.2), 0.25, False),  # 0.25 >= 0.2
        (5, 4, CoherenceFlagRule(min_late_responses=5), 0.25, True),  # 5/20
        (20, 0, CoherenceFlagRule(), None, False),  # Σrecent = 0: no ratio, no flag
        (0, 4, CoherenceFlagRule(), None, False),  # no late responses at all
    ],
)
def test_low_coherence_flag_rule(
    n_late: int, new_facts: int, rule: CoherenceFlagRule, ratio: float | None, flagged: bool
) -> None:
    profile = session_profile(_uniform_session(n_late, new_facts), rule)
    assert profile.coherence_ratio == (pytest.approx(ratio) if ratio is not None else None)
    assert profile.flagged is flagged
    assert profile.flag_reasons == (("low_coherence",) if flagged else ())


REASK = [
    agent(1, asks=["budget"]),  # asked before the user gave it: not a re-ask
    user(2, fields=["budget"]),
    agent(3, asks=["budget", "dates"]),  # budget re-asked; dates never given
    user(4, fields=["dates"]),
    agent(4, asks=["dates"]),  # same turn: the user spoke first, so a re-ask
    agent(5, asks=["budget", "budget"]),  # one request per response
    agent(6, asks=["dates"], shadow=True),  # shadow: excluded
]


@pytest.mark.parametrize(
    ("rule", "flagged"),
    [(CoherenceFlagRule(), True), (CoherenceFlagRule(flag_reasked_fields=False), False)],
)
def test_reasked_fields(rule: CoherenceFlagRule, flagged: bool) -> None:
    profile = session_profile(REASK, rule)
    # budget at turns 3 and 5, dates at turn 4: distinct fields in order of first re-ask
    assert profile.reasked_fields == ("budget", "dates")
    assert profile.n_reasked_fields == 2
    assert profile.n_reask_requests == 3
    assert profile.flagged is flagged


@pytest.mark.parametrize(
    ("rows", "contradicted", "details"),
    [
        (
            [user(1, ["budget=50000"]), agent(2, ["budget=50000"]), agent(3, ["budget=60000"])],
            ("budget=50000",),
            [("budget", "50000", "60000", 3)],
        ),
        (  # the agent used 60000 before the user said anything: no contradiction
            [agent(1, ["budget=60000"]), user(2, ["budget=50000"]), agent(3, ["budget=50000"])],
            (),
            [],
        ),
        (  # the user changed it: the latest value the user gave is the reference
            [
                user(1, ["budget=50000"]),
                user(5, ["budget=60000"]),
                agent(6, ["budget=60000"]),
                agent(7, ["budget=50000"]),
            ],
            ("budget=60000",),
            [("budget", "60000", "50000", 7)],
        ),
        (  # facts without '=' and names the user never gave are not compared
            [user(1, ["order:W1"]), agent(2, ["order:W2", "city=Lyon"])],
            (),
            [],
        ),
        (  # a shadow contradiction is excluded
            [user(1, ["budget=50000"]), agent(2, ["budget=60000"], shadow=True)],
            (),
            [],
        ),
    ],
)
def test_contradicted_facts(
    rows: list[dict], contradicted: tuple[str, ...], details: list[tuple]
) -> None:
    profile = session_profile(rows)
    assert profile.contradicted_facts == contradicted
    assert [(c.name, c.provided, c.referenced, c.turn) for c in profile.contradictions] == details
    assert profile.flagged is bool(contradicted)
    assert profile.flag_reasons == (("contradicted_fact",) if contradicted else ())


def test_dataframe_input_with_missing_lists() -> None:
    frame = pd.DataFrame(
        [user(1, ["x"]), agent(50, ["x", "y"])]
        + [{**agent(51), "facts_referenced": None, "fields_requested": None}]
    )
    profile = session_profile(frame)
    # turn 50: early x (1), recent y (50); turn 51 references nothing
    assert [(r.turn, r.early, r.recent) for r in profile.late_responses] == [(50, 1, 1), (51, 0, 0)]
    assert profile.coherence_ratio == 1.0


def _flagged(turn: int, flags: list[str]) -> dict[str, Any]:
    row = agent(turn)
    row["profile_flags" if len(flags) == 1 else "flags"] = flags
    return row


def test_findings_point_at_their_turns() -> None:
    rows = [
        user(1, ["reservation:IFOYYZ", "reservation:IFOYYZ=IFOYYZ"], ["reservation_id"]),
        agent(2, ["reservation:IFOYWZ", "reservation:IFOYYZ=IFOYWZ"]),
        agent(3, asks=["reservation_id"]),
        _flagged(4, ["tool_loop"]), _flagged(5, ["tool_loop"]), agent(6),
        _flagged(7, ["tool_loop", "repeated_question"]), _flagged(8, ["repeated_question"]),
    ]
    profile = session_profile(rows)
    # The loop at 4-5 is one finding, the one starting at 7 another; each repeat is its own.
    assert [(f.kind, f.turn, f.detail) for f in profile.findings] == [
        ("contradicted_fact", 2, "reservation:IFOYYZ: IFOYYZ -> IFOYWZ"),
        ("reasked_field", 3, "reservation_id"),
        ("tool_loop", 4, ""),
        ("repeated_question", 7, ""),
        ("tool_loop", 7, ""),
        ("repeated_question", 8, ""),
    ]
    assert profile.flag_reasons == (
        "reasked_field", "contradicted_fact", "tool_loop", "repeated_question")
    quiet = session_profile(rows, CoherenceFlagRule(flag_tool_loops=False,
                                                    flag_repeated_questions=False))
    assert quiet.flag_reasons == ("reasked_field", "contradicted_fact")
