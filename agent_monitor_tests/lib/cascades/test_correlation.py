from datetime import UTC, datetime

import pytest

from agent_monitor.lib.cascades.correlation import (
    BucketCount,
    bucket_failure_rates,
    edge_correlation,
    observed_edges,
)


def test_bucket_failure_rates():
    steps = [
        ("u", "succeeded", 10),
        ("u", "failed", 899),  # still bucket 0 (0..899)
        ("u", "timed_out", 900),  # bucket 900
        ("u", "skipped", 950),  # never ran: not counted at all
        ("d", "failed", datetime.fromtimestamp(1800, UTC)),  # datetimes work too
        ("u", "succeeded", 3600),  # end is exclusive
        ("u", "failed", -1),  # before start
    ]
    assert bucket_failure_rates(steps, 0, 3600) == {
        "u": {0: BucketCount(2, 1), 900: BucketCount(1, 1)},
        "d": {1800: BucketCount(1, 1)},
    }


def test_bucket_grid_starts_at_start_epoch():
    # start 100: (999 − 100) // 900 = 0 → bucket 100; (1000 − 100) // 900 = 1 → bucket 1000.
    got = bucket_failure_rates([("a", "failed", 999), ("a", "succeeded", 1000)], 100, 2000)
    assert got == {"a": {100: BucketCount(1, 1), 1000: BucketCount(1, 0)}}


def buckets(failed, n_steps=10):
    return {i * 900: BucketCount(n_steps, f) for i, f in enumerate(failed)}


# Hand example, 8 buckets of 10 steps: up rates 0.1·[0..7], down rates 0.1·[0,2,1,3,5,4,7,6].
# Both means 0.35 (3.5 before scaling). Unscaled deviations dx = [-3.5 … 3.5],
# dy = [-3.5, -1.5, -2.5, -.5, 1.5, .5, 3.5, 2.5]
# Sxy = 12.25 + 3.75 + 3.75 + .25 + .75 + .75 + 8.75 + 8.75 = 39; Sxx = Syy = 42
# r = 39 / 42 = 13/14 = 0.9285714 (the 0.1 scale cancels).
# t = r·√(n−2)/√(1−r²), df = 6; t² = (169/196)·6/(27/196) = 1014/27, t = 6.1283.
# For even df the t distribution has a closed form, with sin θ = t/√(t²+6) = r and
# cos² θ = 1 − r² = 27/196: P(|T| < t) = sin θ·(1 + cos²θ/2 + 3·cos⁴θ/8)
# = (13/14)·(1 + 0.0688776 + 0.0071162) = 0.9991370 → two-sided p = 0.0008630.
UP = buckets([0, 1, 2, 3, 4, 5, 6, 7])
DOWN = buckets([0, 2, 1, 3, 5, 4, 7, 6])
R_HAND = 13 / 14
P_HAND = 1 - (13 / 14) * (1 + (27 / 196) / 2 + 3 * (27 / 196) ** 2 / 8)


@pytest.mark.parametrize(
    ("up", "down", "kwargs", "n", "r", "p", "risk"),
    [
        (UP, DOWN, {}, 8, R_HAND, P_HAND, True),
        # Same data, stricter p threshold 0.0005 < 0.000863 → no risk.
        (UP, DOWN, {"p_threshold": 0.0005}, 8, R_HAND, P_HAND, False),
        # r threshold above 0.93 → no risk.
        (UP, DOWN, {"r_threshold": 0.95}, 8, R_HAND, P_HAND, False),
        # Perfectly correlated (down = 2k of 20 = same rates): r = 1, p = 0.
        (UP, buckets([2 * k for k in range(8)], 20), {}, 8, 1.0, 0.0, True),
        # Only 7 buckets: r = 1 but fewer than 8 buckets → no risk.
        (buckets(range(7)), buckets(range(7)), {}, 7, 1.0, 0.0, False),
        # Perfect anti-correlation: r = −1 → no risk.
        (UP, buckets([7 - k for k in range(8)]), {}, 8, -1.0, 0.0, False),
        # Upstream constant (0 failures everywhere): r undefined → None, no risk.
        (buckets([0] * 8), DOWN, {}, 8, None, None, False),
        # Only 2 buckets: r undefined → None.
        (buckets([0, 5]), buckets([1, 6]), {}, 2, None, None, False),
    ],
)
def test_edge_correlation(up, down, kwargs, n, r, p, risk):
    got = edge_correlation(up, down, **kwargs)
    assert got.n_buckets == n
    assert got.cascade_risk is risk
    for value, want in ((got.r, r), (got.p_value, p)):
        assert value is None if want is None else value == pytest.approx(want, abs=1e-9)


def test_edge_correlation_keeps_only_buckets_where_both_ran_enough():
    up = dict(UP)
    down = dict(DOWN)
    up[8 * 900] = BucketCount(4, 4)  # upstream ran 4 < 5 steps → dropped
    down[8 * 900] = BucketCount(10, 0)
    down[9 * 900] = BucketCount(10, 10)  # only downstream has this bucket → dropped
    up[10 * 900] = (10, 0)  # plain tuples are accepted; downstream missing → dropped
    got = edge_correlation(up, down)
    assert (got.n_buckets, got.cascade_risk) == (8, True)
    assert got.r == pytest.approx(R_HAND)


def test_observed_edges():
    steps = [
        ("run1", "s1", "a", None),
        ("run1", "s2", "b", ["s1"]),  # a → b
        ("run1", "s3", "b", ["s2"]),  # b → b: same agent, no edge
        ("run1", "s4", "c", ["s1", "s2", "ghost"]),  # a → c, b → c; ghost ignored
        {"workflow_run_id": "run2", "step_id": "s1", "agent_id": "x", "depends_on": []},
        {"workflow_run_id": "run2", "step_id": "s2", "agent_id": "y", "depends_on": ["s1"]},
        ("run2", "s5", "z", ["s3"]),  # s3 exists only in run1: no cross-run edge
    ]
    assert observed_edges(steps) == {("a", "b"), ("a", "c"), ("b", "c"), ("x", "y")}
