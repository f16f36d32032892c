import pandas as pd
import pytest

from agent_monitor.lib.metrics.consistency import (
    ShadowPairCount,
    match_shadow_pairs,
    repeated_input_groups,
    shadow_pairs,
)
from agent_monitor_tests.lib.metrics.helpers import at, event


def response(
    event_id: str,
    when,
    value: str | None,
    name: str = "approve",
    path: str = "approval",
    agent: str = "a",
    **extra,
) -> dict:
    return event(
        event_id,
        "agent_response",
        when,
        agent_id=agent,
        decision_name=name,
        decision_path=path,
        decision_value=value,
        **extra,
    )


def shadow(event_id: str, of: str, when, value: str | None, name: str = "approve") -> dict:
    return response(event_id, when, value, name=name, deployment="shadow", shadow_of=of)


PRIMARIES = [
    response("p1", at(10, 15), "true"),
    response("p2", at(10, 40), "false"),
    response("p3", at(11, 5), "true"),
    response("p4", at(10, 20), '"team-a"', name="route", path="routing"),
    shadow("x1", "p9", at(10, 21), "true"),  # a shadow among the primaries: never a P
]
SHADOWS = [
    shadow("s1", "p1", at(10, 16), "true"),  # agrees
    shadow("s2", "p2", at(11, 2), "true"),  # disagrees; counted in P's hour (10:00)
    shadow("s3", "p3", at(11, 6), "true"),  # agrees
    shadow("s4", "p4", at(10, 21), '"team-a"', name="refund"),  # other decision: no pair
    shadow("s5", "missing", at(10, 22), "true"),  # primary unknown: no pair
    response("s6", at(10, 23), "true", shadow_of="p1"),  # not a shadow: no pair
    shadow("x1", "p9", at(10, 21), "true"),
]


def test_shadow_pairs_per_hour_agent_decision_and_path() -> None:
    rows = shadow_pairs(PRIMARIES, SHADOWS)
    # hour 10: p1/s1 agree, p2/s2 disagree -> 2 pairs, 1 disagreement, rate 1/2
    # hour 11: p3/s3 agree -> 1 pair, 0 disagreements, rate 0
    assert rows == [
        ShadowPairCount(at(10), "a", "approve", "approval", n_pairs=2, n_disagreements=1),
        ShadowPairCount(at(11), "a", "approve", "approval", n_pairs=1, n_disagreements=0),
    ]
    assert [r.disagreement_rate for r in rows] == [0.5, 0.0]


def test_pair_level_rows_say_which_primaries_disagreed() -> None:
    pairs = match_shadow_pairs(PRIMARIES, SHADOWS)
    assert [(p.primary_event_id, p.shadow_event_id, p.agree) for p in pairs] == [
        ("p1", "s1", True),
        ("p2", "s2", False),
        ("p3", "s3", True),
    ]


def test_no_pairs_means_no_rate() -> None:
    assert shadow_pairs(PRIMARIES, []) == []
    empty = ShadowPairCount(at(10), "a", "approve", "approval", n_pairs=0, n_disagreements=0)
    assert empty.disagreement_rate is None


def test_dataframe_inputs() -> None:
    rows = shadow_pairs(pd.DataFrame(PRIMARIES), pd.DataFrame(SHADOWS))
    assert [(r.hour, r.n_pairs, r.n_disagreements) for r in rows] == [
        (at(10), 2, 1),
        (at(11), 1, 0),
    ]


def grouped(input_hash: str, values: list[tuple[str, object, str | None]], **extra) -> list[dict]:
    return [
        response(eid, when, value, input_hash=input_hash, **extra) for eid, when, value in values
    ]


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        (  # 3 of 4 agree on "true"; the shadow's "false" is left out
            grouped(
                "h1",
                [
                    ("e1", at(10, 1), "true"),
                    ("e2", at(10, 2), "false"),
                    ("e3", at(10, 3), "true"),
                    ("e4", at(10, 4), "true"),
                ],
            )
            + [shadow("e5", "e1", at(10, 5), "false") | {"input_hash": "h1"}],
            [("h1", 4, 3, 0.75, "true")],
        ),
        (  # tie 1–1: the value seen first by ts wins ("b" at 10:00)
            grouped("h2", [("e2", at(10, 1), '"a"'), ("e1", at(10, 0), '"b"')]),
            [("h2", 2, 1, 0.5, '"b"')],
        ),
        (  # tie at the same ts: event_id breaks it (e1 before e2)
            grouped("h3", [("e2", at(10), "x"), ("e1", at(10), "y")]),
            [("h3", 2, 1, 0.5, "y")],
        ),
        (  # one response is no group; another agent's response is another group
            grouped("h4", [("e1", at(10), "x")]) + grouped("h4", [("e2", at(10), "x")], agent="b"),
            [],
        ),
        (  # missing input_hash: not grouped
            grouped(None, [("e1", at(10), "x"), ("e2", at(10), "x")]),  # type: ignore[arg-type]
            [],
        ),
        (  # 2 of 3 agree, values with a null decision value compared as equal to each other
            grouped("h5", [("e1", at(10), None), ("e2", at(10, 1), None), ("e3", at(10, 2), "1")]),
            [("h5", 3, 2, 2 / 3, None)],
        ),
    ],
)
def test_repeated_input_groups(rows: list[dict], expected: list[tuple]) -> None:
    groups = repeated_input_groups(rows)
    assert [
        (g.input_hash, g.n_responses, g.n_agreeing, pytest.approx(g.agreement), g.majority_value)
        for g in groups
    ] == expected
