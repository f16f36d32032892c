"""Daily top-ups (SPEC §8): π = max(π_rule, t), the exact inclusion probability given the others."""

from __future__ import annotations

import statistics
from datetime import datetime
from typing import Any

import pytest

from agent_monitor.lib.config import ReviewSettings
from agent_monitor.lib.reviews.selection import DAILY_MINIMUM, Sampled, select_queue, top_up

DAY = datetime(2026, 1, 5)

# A hand-made agent-day with mixed π: (π_rule, u).
MIXED_DAY = {
    "a": (0.8, 0.30),   # boosted, u < π: a rule sample
    "b": (0.2, 0.65),
    "c": (0.05, 0.12),
    "d": (0.05, 0.03),  # base, u < π: a rule sample
    "e": (0.4, 0.50),
    "f": (0.05, 0.20),
    "g": (0.8, 0.90),   # boosted but u ≥ π: left out
    "h": (0.05, 0.40),
}


def items(day: dict[str, tuple[float, float]]) -> tuple[list[Sampled], list[Sampled]]:
    """(rule samples, left out) of a day given as {id: (π_rule, u)}."""
    all_items = [
        Sampled(event_id=i, agent_id="a", ts=DAY, u=u, rule_probability=pi,
                inclusion_probability=pi, reasons=("base",), row={})
        for i, (pi, u) in sorted(day.items())
    ]
    return ([x for x in all_items if x.u < x.rule_probability],
            [x for x in all_items if x.u >= x.rule_probability])


def queue_of(day: dict[str, tuple[float, float]], minimum: int, reviewed: frozenset[str] = frozenset()) -> dict[str, Sampled]:
    return {q.event_id: q for q in top_up(*items(day), daily_minimum=minimum, reviewed=reviewed)}


def procedure(day: dict[str, tuple[float, float]], minimum: int) -> set[str]:
    """SPEC §5 written out independently: u < π_rule, then the lowest-u left-outs to the minimum."""
    rule = {i for i, (pi, u) in day.items() if u < pi}
    if len(day) < minimum or len(rule) >= minimum:
        return rule
    left = sorted((i for i in day if i not in rule), key=lambda i: day[i][1])
    return rule | set(left[: minimum - len(rule)])


def conditional_probability(day: dict[str, tuple[float, float]], minimum: int, target: str,
                            grid: int = 20_000) -> float:
    """P(target sampled | the other draws): the share of u_target on a fine grid that samples it."""
    pi = day[target][0]
    hits = sum(target in procedure({**day, target: (pi, (k + 0.5) / grid)}, minimum)
               for k in range(grid))
    return hits / grid


def test_a_mixed_day_topped_up_to_four() -> None:
    # Rule samples: a (0.30 < 0.8) and d (0.03 < 0.05): S = 2 < 4, so 2 are taken from the
    # left-outs by u: c 0.12, f 0.20. The first not taken is h: t = 0.40.
    # π = max(π_rule, 0.40): a 0.8, d/c/f 0.40. (The old k/m rule: r = 2/6, so a recorded
    # 0.8 + 0.2/3 = 0.867 and d 0.05 + 0.95/3 = 0.367.)
    queue = queue_of(MIXED_DAY, 4)
    assert {i: q.inclusion_probability for i, q in queue.items()} == {
        "a": 0.8, "d": 0.40, "c": 0.40, "f": 0.40}
    assert [i for i, q in sorted(queue.items()) if DAILY_MINIMUM in q.reasons] == ["c", "f"]
    # In the sample exactly when u < π.
    assert set(queue) == {i for i, (pi, u) in MIXED_DAY.items() if u < max(pi, 0.40)}


@pytest.mark.parametrize(
    ("minimum", "expected"),
    [
        # S = 2 < 4: t = 0.40 (see above).
        (4, {"a": 0.8, "d": 0.40, "c": 0.40, "f": 0.40}),
        # S = 2 = minimum: nothing taken; t = the lowest left-out u, c's 0.12. Without d the
        # day would have needed one top-up, and d would have been it below 0.12.
        (2, {"a": 0.8, "d": 0.12}),
        # S = 2 > 1: removing any one sample still meets the minimum; t = 0, π = π_rule.
        (1, {"a": 0.8, "d": 0.05}),
        # minimum 8 = all 8 responses: every one is taken, t = 1.
        (8, dict.fromkeys(MIXED_DAY, 1.0)),
        # minimum 9 > 8 responses: no top-up at all.
        (9, {"a": 0.8, "d": 0.05}),
    ],
)
def test_recorded_pi_is_the_exact_conditional_probability(minimum: int, expected: dict[str, float]) -> None:
    queue = queue_of(MIXED_DAY, minimum)
    assert {i: q.inclusion_probability for i, q in queue.items()} == pytest.approx(expected)
    for event_id, item in queue.items():
        exact = conditional_probability(MIXED_DAY, minimum, event_id)
        assert item.inclusion_probability == pytest.approx(exact, abs=1e-4), event_id


def test_a_reviewed_left_out_response_records_the_day_s_pi() -> None:
    # g (π 0.8, u 0.90) and h (π 0.05, u 0.40 = t) are left out and reviewed: π = max(π, 0.40).
    queue = queue_of(MIXED_DAY, 4, reviewed=frozenset({"g", "h"}))
    assert (queue["g"].inclusion_probability, queue["h"].inclusion_probability) == (0.8, 0.40)


def _day_rows(n_boosted: int, n_base: int) -> list[dict[str, Any]]:
    # Boosted: confidence 0.3 (×4), a validator flag (×2), an approval decision (×2):
    # π = 0.05 × 16 = 0.8. Base: π = 0.05.
    boosted = [{"event_id": f"boost-{i}", "agent_id": "a", "ts": DAY, "confidence": 0.3,
                "flags": ["pii"], "decision_path": "approval"} for i in range(n_boosted)]
    base = [{"event_id": f"base-{i}", "agent_id": "a", "ts": DAY, "confidence": 0.9}
            for i in range(n_base)]
    return boosted + base


def test_the_recorded_pi_weights_are_unbiased_over_many_salts() -> None:
    # 5 boosted (π 0.8) and 40 base (π 0.05) responses, minimum 20, under 4,000 salts. The
    # Horvitz–Thompson count Σ_{sampled} 1/π of each group has expectation the group's size
    # exactly when π is each response's inclusion probability given the others' draws.
    # The k/m rule recorded 0.867 for boosted items: Σ 1/π ≈ 5 × 0.80/0.867 = 4.6, 8 % low,
    # about 20 standard errors away at this many salts.
    rows = _day_rows(5, 40)
    totals: dict[str, list[float]] = {"boost": [], "base": []}
    for salt in range(4000):
        queue = select_queue(rows, [], ReviewSettings(salt=f"salt-{salt}", daily_minimum=20))
        assert len(queue) == 20
        for group in totals:
            totals[group].append(sum(1 / q.inclusion_probability for q in queue
                                     if q.event_id.startswith(group)))
    for group, size in (("boost", 5), ("base", 40)):
        mean = statistics.fmean(totals[group])
        stderr = statistics.stdev(totals[group]) / len(totals[group]) ** 0.5
        assert abs(mean - size) < 4 * stderr, (group, mean, stderr)
