"""Review status: latest verdict wins; pending until reviewed; expired after 7 days."""

from __future__ import annotations

from datetime import datetime

import pytest

from agent_monitor.lib.config import ReviewSettings
from agent_monitor.lib.reviews.selection import select_queue
from agent_monitor.lib.reviews.status import latest_reviews, queue_rows, status_of

TS = datetime(2026, 1, 5, 10, 30)


@pytest.mark.parametrize(
    ("reviewed", "now", "expected"),
    [
        (False, datetime(2026, 1, 12, 10, 30), "pending"),  # exactly ts + 7 days: not yet past
        (False, datetime(2026, 1, 12, 10, 30, 1), "expired"),  # one second past ts + 7 days
        (True, datetime(2026, 2, 1), "reviewed"),  # a verdict counts even after the expiry
        (False, datetime(2026, 1, 5, 11), "pending"),
    ],
)
def test_status_of(reviewed: bool, now: datetime, expected: str) -> None:
    assert status_of(reviewed, datetime(2026, 1, 12, 10, 30), now) == expected


def test_latest_review_wins() -> None:
    reviews = [
        {"event_id": "v2", "ts": datetime(2026, 1, 7), "target_event_id": "r1", "verdict": "incorrect"},
        {"event_id": "v1", "ts": datetime(2026, 1, 6), "target_event_id": "r1", "verdict": "correct"},
        {"event_id": "v3", "ts": datetime(2026, 1, 6), "target_event_id": "r2", "verdict": "unverifiable"},
    ]
    assert {k: v["event_id"] for k, v in latest_reviews(reviews).items()} == {"r1": "v2", "r2": "v3"}


def test_queue_rows_carry_status_verdict_and_expiry() -> None:
    settings = ReviewSettings(base_rate=1.0, daily_minimum=0)
    primaries = [
        {"event_id": "r1", "agent_id": "billing", "ts": TS, "confidence": 0.8, "agent_version": "v1"},
        {"event_id": "r2", "agent_id": "billing", "ts": TS.replace(minute=45), "confidence": 0.6},
    ]
    reviews = [{"event_id": "v1", "ts": datetime(2026, 1, 8, 9), "target_event_id": "r1",
                "verdict": "correct", "reviewer": "ana"}]
    rows = queue_rows(select_queue(primaries, [], settings), reviews, settings, now=datetime(2026, 1, 13))
    # 2026-01-13 is past r2's expiry (2026-01-12 10:45); r1 has a review.
    assert [(r["event_id"], r["status"], r["verdict"], r["reviewer"], r["reviewed_at"]) for r in rows] == [
        ("r1", "reviewed", "correct", "ana", datetime(2026, 1, 8, 9)),
        ("r2", "expired", None, None, None),
    ]
    assert rows[0]["expires_at"] == datetime(2026, 1, 12, 10, 30)
    assert rows[0]["hour"] == datetime(2026, 1, 5, 10) and rows[0]["day"] == datetime(2026, 1, 5)
    assert rows[0]["reasons"] == ["base"] and rows[0]["agent_version"] == "v1"
