"""Review status of queue items: pending, reviewed (a review event exists) or expired."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from agent_monitor.lib.config import ReviewSettings
from agent_monitor.lib.metrics.calibration import latest_reviews
from agent_monitor.lib.metrics.rows import as_datetime, get
from agent_monitor.lib.reviews.selection import Sampled, day_of, expires_at

PENDING, REVIEWED, EXPIRED = "pending", "reviewed", "expired"
STATUSES = (PENDING, REVIEWED, EXPIRED)


def status_of(reviewed: bool, expiry: datetime, now: datetime) -> str:
    """reviewed if a review exists, else expired once now is past the expiry, else pending."""
    if reviewed:
        return REVIEWED
    return EXPIRED if now > expiry else PENDING


def queue_rows(
    queue: Iterable[Sampled],
    reviews: Iterable[Mapping[str, Any]],
    settings: ReviewSettings,
    *,
    now: datetime,
) -> list[dict[str, Any]]:
    """`review_queue` rows for the sampled items, with status, verdict and reviewer."""
    by_target = latest_reviews(reviews)
    rows: list[dict[str, Any]] = []
    for item in queue:
        review = by_target.get(item.event_id)
        expiry = expires_at(item.ts, settings)
        rows.append(
            {
                "event_id": item.event_id,
                "hour": item.ts.replace(minute=0, second=0, microsecond=0),
                "day": day_of(item.ts),
                "agent_id": item.agent_id,
                "agent_version": get(item.row, "agent_version"),
                "session_id": get(item.row, "session_id"),
                "trace_id": get(item.row, "trace_id"),
                "ts": item.ts,
                "confidence": get(item.row, "confidence"),
                "decision_name": get(item.row, "decision_name"),
                "decision_value": get(item.row, "decision_value"),
                "decision_path": get(item.row, "decision_path"),
                "u": item.u,
                "rule_probability": item.rule_probability,
                "inclusion_probability": item.inclusion_probability,
                "reasons": list(item.reasons),
                "status": status_of(review is not None, expiry, now),
                "verdict": get(review, "verdict") if review is not None else None,
                "reviewer": get(review, "reviewer") if review is not None else None,
                "reviewed_at": as_datetime(review["ts"]) if review is not None else None,
                "review_event_id": str(review["event_id"]) if review is not None else None,
                "expires_at": expiry,
            }
        )
    return rows
