import pytest

from agent_monitor.lib.cascades.chains import FailureChain, Step, failure_chains

# The run (agent in brackets, ts after @):
#
#   A[a1] ok@1 ──▶ B[a2] ok@2 ──────▶ D[a4] skipped@11 ──▶ F[a3] failed@12
#        └───────▶ C[a3] failed@10 ─┘
#   E[a5] failed@5   (independent)
#
# C is a root: its only upstream step, A, succeeded. D (skipped) and F (failed) lie
# downstream of C; F failed below C, so it is a victim, not a root.
# C: affected [D, F], agents {a4, a3} minus the root's own a3 → [a4], blast radius 2.
# E: no downstream steps → affected [], blast radius 0. Ordered by ts: E (5), C (10).
DAG = [
    Step("A", "a1", "succeeded", [], 1),
    Step("B", "a2", "succeeded", ["A"], 2),
    Step("C", "a3", "failed", ["A"], 10),
    Step("D", "a4", "skipped", ["B", "C"], 11),
    Step("F", "a3", "failed", ["D"], 12),
    Step("E", "a5", "failed", [], 5),
]


def chain(root, agent, status, ts, affected, agents, completed=False):
    return FailureChain(
        "run-1", root, agent, status, ts, affected, agents, len(affected), completed
    )


def test_hand_drawn_dag():
    assert failure_chains(DAG, "run-1", run_completed=False) == [
        chain("E", "a5", "failed", 5, (), ()),
        chain("C", "a3", "failed", 10, ("D", "F"), ("a4",)),
    ]


@pytest.mark.parametrize(
    ("steps", "expected"),
    [
        # A failed → B succeeded (below A) → C timed out: C has a failed step (A) upstream
        # through a success, so only A is a root; B ran fine and is not affected.
        (
            [
                Step("A", "x", "failed", [], 1),
                Step("B", "y", "succeeded", ["A"], 2),
                Step("C", "z", "timed_out", ["B"], 3),
            ],
            [chain("A", "x", "failed", 1, ("C",), ("z",))],
        ),
        # Two roots share a victim V (skipped): V is in both blast radii.
        (
            [
                Step("R1", "x", "failed", [], 1),
                Step("R2", "y", "timed_out", [], 2),
                Step("V", "z", "skipped", ["R1", "R2"], 3),
            ],
            [
                chain("R1", "x", "failed", 1, ("V",), ("z",)),
                chain("R2", "y", "timed_out", 2, ("V",), ("z",)),
            ],
        ),
        # Unknown depends_on ids are ignored: X is a root with nothing below it.
        ([Step("X", "x", "failed", ["ghost"], 1)], [chain("X", "x", "failed", 1, (), ())]),
        # Same agent downstream: blast radius 1 but no other agent affected.
        (
            [Step("P", "x", "failed", [], 1), Step("Q", "x", "skipped", ["P"], 2)],
            [chain("P", "x", "failed", 1, ("Q",), ())],
        ),
        # Cycle P ⇄ Q, both failed, R (skipped) below Q. Each has the other upstream; the
        # earlier one (P @1) is the root, Q and R are its victims. Must terminate.
        (
            [
                Step("P", "x", "failed", ["Q"], 1),
                Step("Q", "y", "failed", ["P"], 2),
                Step("R", "z", "skipped", ["Q"], 3),
            ],
            [chain("P", "x", "failed", 1, ("Q", "R"), ("y", "z"))],
        ),
        # A step that depends on itself: the self-edge is ignored.
        ([Step("S", "x", "failed", ["S"], 1)], [chain("S", "x", "failed", 1, (), ())]),
        # Retried step: C failed @10 then succeeded @12 → its final state is success, no root.
        (
            [Step("C", "x", "failed", [], 10), Step("C", "x", "succeeded", [], 12)],
            [],
        ),
        # Nothing failed → no chains; an empty run → no chains.
        ([Step("A", "x", "succeeded", [], 1), Step("B", "y", "skipped", ["A"], 2)], []),
        ([], []),
    ],
)
def test_failure_chains(steps, expected):
    assert failure_chains(steps, "run-1", run_completed=False) == expected


def test_rows_as_mappings_and_tuples():
    as_dicts = [s._asdict() for s in DAG]
    as_dicts[0]["depends_on"] = None  # a missing list means no dependencies
    as_tuples = [tuple(s) for s in DAG]
    expected = failure_chains(DAG, "run-1", run_completed=True)
    assert failure_chains(as_dicts, "run-1", run_completed=True) == expected
    assert failure_chains(as_tuples, "run-1", run_completed=True) == expected
    assert all(c.run_completed is True for c in expected)
