"""P3 turn acceleration: user turns per active session-minute and its ratio to the baseline."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

HOUR_SECONDS = 3600.0


def session_active_minutes(
    event_epochs_in_hour: Iterable[float], hour_start: float | None = None
) -> float:
    """max((last − first) / 60, 1) over the session's events in the hour; 0 without events.

    With `hour_start` (epoch seconds), events outside [hour_start, hour_start + 3600) are
    dropped first, so a session that spans hours counts only its in-hour part.
    """
    epochs = [float(e) for e in event_epochs_in_hour]
    if hour_start is not None:
        epochs = [e for e in epochs if hour_start <= e < hour_start + HOUR_SECONDS]
    if not epochs:
        return 0.0
    return max((max(epochs) - min(epochs)) / 60.0, 1.0)


@dataclass(frozen=True)
class HourTurns:
    """An hour's P3 numerator and denominator for one agent."""

    user_turns: int
    active_minutes: float
    n_sessions: int


def hour_turns(events: Iterable[tuple[str, float, bool]], hour_start: float) -> HourTurns:
    """Sum user turns and session active minutes from (session_id, epoch, is_user_turn) rows."""
    by_session: dict[str, list[float]] = {}
    user_turns = 0
    for session_id, epoch, is_user_turn in events:
        if not hour_start <= epoch < hour_start + HOUR_SECONDS:
            continue
        by_session.setdefault(session_id, []).append(epoch)
        user_turns += 1 if is_user_turn else 0
    minutes = sum(session_active_minutes(e) for e in by_session.values())
    return HourTurns(user_turns, minutes, len(by_session))


def turn_rate(user_turns: int, active_minutes_sum: float) -> float | None:
    """User turns per active session-minute; None when there were no active minutes."""
    if active_minutes_sum <= 0:
        return None
    return user_turns / active_minutes_sum


def turn_acceleration(
    current_rate: float | None,
    previous_rates: Sequence[float | None],
    min_history: int = 24,
) -> float | None:
    """Current rate / mean of the preceding hours' rates (hours with data, at least min_history)."""
    if current_rate is None:
        return None
    values = [float(v) for v in previous_rates if v is not None and math.isfinite(v)]
    if len(values) < max(min_history, 1):
        return None
    mean = sum(values) / len(values)
    if mean <= 0:
        return None
    return current_rate / mean
