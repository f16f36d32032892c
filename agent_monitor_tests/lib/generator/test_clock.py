"""Timestamps, ids and the drift curve, against hand-computed values."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from agent_monitor.lib.generator.clock import IdMaker, format_ts, parse_utc, to_ms
from agent_monitor.lib.generator.incidents import drift_shape


@pytest.mark.parametrize(
    ("ms", "text"),
    [
        (0, "1970-01-01T00:00:00.000Z"),
        # 2026-01-05T00:00Z = 1767571200 s; plus 3.12 s
        (1_767_571_203_120, "2026-01-05T00:00:03.120Z"),
        (1_767_571_200_000 + 25 * 3_600_000 + 7, "2026-01-06T01:00:00.007Z"),
    ],
)
def test_format_ts(ms: int, text: str) -> None:
    assert format_ts(ms) == text


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-05T00:00Z", datetime(2026, 1, 5, tzinfo=UTC)),
        ("2026-01-05T02:00+02:00", datetime(2026, 1, 5, tzinfo=UTC)),
        ("2026-01-05T06:30", datetime(2026, 1, 5, 6, 30, tzinfo=UTC)),
    ],
)
def test_parse_utc(text: str, expected: datetime) -> None:
    assert parse_utc(text) == expected


def test_to_ms_of_the_default_start() -> None:
    assert to_ms(datetime(2026, 1, 5, tzinfo=UTC)) == 1_767_571_200_000


def test_id_maker_is_stable_and_unique() -> None:
    first = [IdMaker(7, "x").next("rsp") for _ in range(1)]
    again = IdMaker(7, "x")
    ids = [again.next("rsp") for _ in range(1000)]
    assert ids[0] == first[0]
    assert len(set(ids)) == 1000
    assert IdMaker(8, "x").next("rsp") != ids[0]
    assert all(i.startswith("rsp_") and len(i) == 4 + 24 for i in ids)


@pytest.mark.parametrize(
    ("hours_in", "confidence_drop", "accuracy_gap", "entropy"),
    [
        (0.0, 0.0, 0.0, 0.0),
        # t=0.5: confidence 0.10·0.5 = 0.05, accuracy 0.15·0.5 = 0.075, gap 0.025, entropy 0.5
        (0.5, 0.05, 0.025, 0.5),
        # t=2: 0.20 and 0.30, gap 0.10; entropy capped at 1
        (2.0, 0.20, 0.10, 1.0),
        # t=4: 0.40 (floor) and 0.60, gap 0.20
        (4.0, 0.40, 0.20, 1.0),
        # t=10: 0.40 and 0.70 (both floors), gap 0.30
        (10.0, 0.40, 0.30, 1.0),
    ],
)
def test_drift_shape(hours_in: float, confidence_drop: float, accuracy_gap: float, entropy: float) -> None:
    state = drift_shape(hours_in)
    assert state.confidence_drop == pytest.approx(confidence_drop)
    assert state.accuracy_gap == pytest.approx(accuracy_gap)
    assert state.entropy == pytest.approx(entropy)
