"""The sampling rule, boosts, and the daily-minimum top-up, on hand-computed draws."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from agent_monitor.lib.config import ReviewSettings
from agent_monitor.lib.reviews.selection import rule_samples, select_queue
from agent_monitor.lib.sampling import sampling_u

# u = int.from_bytes(sha256(("agent-monitor" + id).encode()).digest()[:8], "big") / 2**64,
# computed once with that one-liner (first 8 bytes in hex shown):
U = {
    "evt-1": 0.5560845581979319,  # 8e5b8ebf454e4cb0
    "evt-2": 0.7317430922405461,  # bb5383ea3f3f1ff9
    "evt-3": 0.271026263567613,  # 4561fa2a6145fda8
    "evt-4": 0.3801906116953897,  # 61542c037a59e1d4
    "evt-5": 0.40199373350422185,  # 66e90fb298fa81e1
    "evt-6": 0.8269118421318726,  # d3b07e96a1aa7fa7
    "evt-7": 0.03499348918360466,  # 08f555539dd3b6d1
    "evt-8": 0.2306368939985489,  # 3b0b04fcf98b9542
}
DAY = datetime(2026, 1, 5)


def resp(event_id: str, hour: int = 0, agent: str = "billing", **fields: Any) -> dict[str, Any]:
    return {"event_id": event_id, "agent_id": agent, "ts": DAY.replace(hour=hour), "confidence": 0.9, **fields}


@pytest.mark.parametrize("event_id", sorted(U))
def test_u_is_the_first_eight_bytes_of_the_salted_hash(event_id: str) -> None:
    assert sampling_u("agent-monitor", event_id) == U[event_id]


def test_base_rate_samples_exactly_the_draws_below_it() -> None:
    # base_rate 0.3: u < 0.3 for evt-3 (0.271), evt-7 (0.035), evt-8 (0.231); the others are above.
    settings = ReviewSettings(base_rate=0.3, daily_minimum=0)
    sampled, left_out = rule_samples([resp(e) for e in sorted(U)], [], settings)
    assert sorted(s.event_id for s in sampled) == ["evt-3", "evt-7", "evt-8"]
    assert sorted(s.event_id for s in left_out) == ["evt-1", "evt-2", "evt-4", "evt-5", "evt-6"]
    assert all(s.inclusion_probability == 0.3 and s.reasons == ("base",) for s in sampled)


def test_boosts_multiply_and_cap_at_one() -> None:
    settings = ReviewSettings(base_rate=0.3, daily_minimum=0)
    primaries = [
        resp("evt-1", decision_name="refund", decision_value="true", decision_path="approval"),  # 0.3×2 = 0.6 > 0.556
        resp("evt-2", decision_name="route", decision_value='"a"', decision_path="content"),  # 0.3×4 = 1.2 → 1
        resp("evt-4", confidence=0.4),  # 0.3×4 = 1.2 → 1 > 0.380
        resp("evt-5", flags=["pii"]),  # 0.3×2 = 0.6 > 0.402
        resp("evt-6", confidence=0.4, flags=["x"], decision_name="d", decision_path="routing"),  # 0.3×4×2×2 → 1
        resp("evt-3", confidence=0.5),  # not below 0.5: 0.3 > 0.271, sampled by base alone
    ]
    shadows = [
        # evt-2's shadow decides the same name differently: disagreement (×4).
        {"event_id": "sh-2", "agent_id": "billing", "ts": DAY, "deployment": "shadow", "shadow_of": "evt-2",
         "decision_name": "route", "decision_value": '"b"'},
        # evt-1's shadow agrees: no boost from it.
        {"event_id": "sh-1", "agent_id": "billing", "ts": DAY, "deployment": "shadow", "shadow_of": "evt-1",
         "decision_name": "refund", "decision_value": "true"},
    ]
    sampled, left_out = rule_samples(primaries, shadows, settings)
    got = {s.event_id: (s.rule_probability, s.reasons) for s in sampled}
    assert got == {
        "evt-1": (pytest.approx(0.6), ("base", "critical_path")),
        "evt-2": (1.0, ("base", "shadow_disagreement")),
        "evt-3": (0.3, ("base",)),
        "evt-4": (1.0, ("base", "low_confidence")),
        "evt-5": (pytest.approx(0.6), ("base", "validator_flag")),
        "evt-6": (1.0, ("base", "low_confidence", "critical_path", "validator_flag")),
    }
    assert left_out == []


def test_shadow_responses_are_never_sampled() -> None:
    settings = ReviewSettings(base_rate=1.0, daily_minimum=0)
    rows = [resp("evt-1"), resp("evt-2", deployment="shadow", shadow_of="evt-1")]
    assert [s.event_id for s in select_queue(rows, [], settings)] == ["evt-1"]


def test_daily_minimum_tops_up_by_lowest_u_and_records_the_first_draw_not_taken() -> None:
    # base 0.05: only evt-7 (u 0.035). 8 responses ≥ minimum 3, so 2 more are needed from the
    # 7 left out, lowest u first: evt-8 (0.231), evt-3 (0.271). The first one not taken is
    # evt-4: t = 0.3801906…, and every item's π = max(0.05, t) = t.
    settings = ReviewSettings(base_rate=0.05, daily_minimum=3)
    queue = select_queue([resp(e, hour=i) for i, e in enumerate(sorted(U))], [], settings)
    assert [(q.event_id, q.reasons) for q in queue] == [
        ("evt-3", ("base", "daily_minimum")),
        ("evt-7", ("base",)),
        ("evt-8", ("base", "daily_minimum")),
    ]
    assert [q.rule_probability for q in queue] == [0.05, 0.05, 0.05]
    assert [q.inclusion_probability for q in queue] == [U["evt-4"]] * 3


def test_no_top_up_when_the_day_has_fewer_responses_than_the_minimum() -> None:
    # 8 responses < minimum 10: the rule's sample stands alone, π unchanged.
    settings = ReviewSettings(base_rate=0.05, daily_minimum=10)
    queue = select_queue([resp(e) for e in sorted(U)], [], settings)
    assert [(q.event_id, q.inclusion_probability) for q in queue] == [("evt-7", 0.05)]


def test_the_minimum_is_per_agent_and_per_utc_day() -> None:
    # billing on day 1: evt-1, evt-2, evt-3 → base 0.05 samples none; min 2 → lowest u: evt-3
    # (0.271), evt-1 (0.556); the first not taken is evt-2: π = t = 0.7317…
    # support on day 1: evt-4, evt-5 → none sampled; min 2 → both are taken: t = 1, π = 1.
    # billing on day 2 (evt-6 alone, 1 < 2): nothing.
    settings = ReviewSettings(base_rate=0.05, daily_minimum=2)
    rows = [resp("evt-1"), resp("evt-2", hour=5), resp("evt-3", hour=23),
            resp("evt-4", agent="support"), resp("evt-5", agent="support"),
            {**resp("evt-6"), "ts": datetime(2026, 1, 6, 0, 0)}]
    queue = select_queue(rows, [], settings)
    assert {q.event_id: q.inclusion_probability for q in queue} == {
        "evt-1": U["evt-2"], "evt-3": U["evt-2"], "evt-4": 1.0, "evt-5": 1.0}


def test_a_reviewed_response_left_out_of_the_sample_stays_with_the_day_s_pi() -> None:
    # Same day as the top-up test: the sample is evt-7 + top-ups evt-8, evt-3; t = u(evt-4).
    # evt-4 was reviewed (e.g. it was a top-up while the day had fewer responses), so it stays,
    # with π = max(0.05, t) like every response of its day (u = t is not < π: not sampled).
    settings = ReviewSettings(base_rate=0.05, daily_minimum=3)
    queue = select_queue([resp(e, hour=i) for i, e in enumerate(sorted(U))], [], settings, {"evt-4", "evt-7"})
    assert [(q.event_id, q.reasons) for q in queue] == [
        ("evt-3", ("base", "daily_minimum")),
        ("evt-4", ("base", "reviewed_outside_sample")),
        ("evt-7", ("base",)),
        ("evt-8", ("base", "daily_minimum")),
    ]
    assert [q.inclusion_probability for q in queue] == [U["evt-4"]] * 4
