"""M6 per hour × agent: a bounded replay of the agent's outcomes before each hour's end."""

from __future__ import annotations

from bisect import bisect_left
from collections import defaultdict
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection

from agent_monitor.lib.metrics.recovery import Outcome, recovery_window
from agent_monitor.lib.rollup import recovery_state as state
from agent_monitor.lib.rollup.recovery_state import KeptHours
from agent_monitor.lib.rollup.window import HOUR, LOOKBACK, epoch, hours


@dataclass(frozen=True)
class HourRecovery:
    """One agent's M6 figures for one hour."""

    n_recovered: int
    recovery_s_sum: float
    mttr_s: float | None
    open_age_s: float | None
    open_since_epoch: float | None
    truncated: bool


def m6_by_hour(
    connection: Connection, start: datetime, end: datetime, as_of: datetime, kept: KeptHours | None = None
) -> dict[tuple[datetime, str], HourRecovery]:
    """Per hour and agent with outcomes in the 24 h look-back: recovered and open incidents.

    Each hour replays the outcomes in [hour − 24 h, hour end) from a healthy start, so the
    result of an hour is the same whether it is built alone or inside a backfill. An hour
    that has not ended yet is replayed up to `as_of`, and an open incident's age is its age
    at `as_of` (SPEC §8: no time that has not passed is counted).

    The look-back's outcomes come from the rows earlier builds kept when still current
    (lib/rollup/recovery_state.py); `kept`, when given, collects the window's rows to keep.
    """
    per_agent = reduced_outcomes(connection, start, min(end, as_of), kept)
    out: dict[tuple[datetime, str], HourRecovery] = {}
    for agent, outcomes in per_agent.items():
        epochs = [o.ts_epoch for o in outcomes]
        for hour in hours(start, end):
            lo, h_lo, hi = epoch(hour - LOOKBACK), epoch(hour), min(epoch(hour + HOUR), epoch(as_of))
            if hi <= h_lo:
                continue
            a, b, c = (bisect_left(epochs, x) for x in (lo, h_lo, hi))
            if a == c:
                continue
            result = recovery_window(outcomes[a:c], h_lo, hi)
            opened = result.open_incident
            if b == c and not result.recovered and opened is None:
                continue
            out[(hour, agent)] = HourRecovery(
                n_recovered=result.n_recovered,
                recovery_s_sum=result.recovery_s_sum,
                mttr_s=result.mttr_s,
                open_age_s=result.open_age_s,
                open_since_epoch=opened.opened_at if opened else None,
                truncated=bool(
                    (opened is not None and opened.truncated)
                    or any(i.truncated for i in result.recovered)
                ),
            )
    return out


def reduced_outcomes(
    connection: Connection, start: datetime, end: datetime, kept: KeptHours | None = None
) -> dict[str, list[Outcome]]:
    """Each agent's outcomes in [start − 24 h, end) that can change the replay, in replay order.

    The rows every hour's replay reacts to (sql/metrics/recovery_outcomes.sql): a fraction
    of the agent's outcomes when failures are rare, with the same incidents as the full list.
    Hours of the look-back kept at their current ingestion mark are read from the kept rows.
    """
    since = start - LOOKBACK
    marks = state.ingest_marks(connection, since, end)  # before any event is read
    look_back = [h for h in hours(since, min(start, end))]
    from_kept = state.kept_hours(connection, marks, (h for h in look_back if h + HOUR <= end))
    found = state.kept_outcomes(connection, from_kept)
    for lo, hi in state.runs((h for h in look_back if h not in from_kept), end):
        found += _outcomes(state.raw_outcomes(connection, lo, hi))
    if start < end:
        window = state.raw_outcomes(connection, start, end)
        found += _outcomes(window)
        if kept is not None:
            state.keep(kept, window, start, end, marks)
    out: dict[str, list[Outcome]] = defaultdict(list)
    for agent, outcome in found:
        out[agent].append(outcome)
    return {agent: sorted(outcomes) for agent, outcomes in out.items()}


def _outcomes(rows: list[dict]) -> list[tuple[str, Outcome]]:
    return [(str(r["agent_id"]), Outcome(float(r["ts_epoch"]), str(r["event_id"]), bool(r["success"]), str(r["kind"])))
            for r in rows]
