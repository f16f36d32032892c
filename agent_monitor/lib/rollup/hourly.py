"""agent_metrics_hourly rows of a window: SQL aggregates merged with the stateful metrics."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from agent_monitor.lib.metrics.rates import ratio
from agent_monitor.lib.rollup.calibration import m1_by_hour
from agent_monitor.lib.rollup.coherence import m2_by_hour
from agent_monitor.lib.rollup.recovery import m6_by_hour
from agent_monitor.lib.rollup.recovery_state import KeptHours
from agent_monitor.lib.rollup.sql import hour_from_epoch, run_query, window_queries
from agent_monitor.lib.rollup.window import HOUR, from_epoch
from agent_monitor.lib.rollup.workflows import m5_by_hour

Key = tuple[datetime, str, str]
# M5, M6, M7 and P3's inputs are agent-level figures: stored on the row with agent_version ''
# (which also holds the responses that name no version), NULL on the other version rows.
AGENT_LEVEL = ""

# Counts that are 0 (not NULL) on every row: their denominators exist on every row.
ZERO_COUNTS = (
    "n_error_responses",
    "n_hallucination_flagged",
    "n_flag_checked",
    "n_reviewed",
    "n_late_responses",
    "n_late_sessions",
    "m2_early_refs",
    "m2_recent_refs",
    "n_shadow_pairs",
    "n_shadow_disagreements",
    "n_confidence",
    "n_entropy",
    "n_hedging",
    "n_trigram",
    "n_output_tokens",
    "n_latency",
)
# Agent-level counts: 0 on the agent-level row, NULL (not measured there) on version rows.
AGENT_LEVEL_COUNTS = (
    "n_sessions",
    "n_handoff_sessions",
    "n_abandon_sessions",
    "user_turns",
    "n_runs_ended",
    "n_runs_completed",
    "n_incidents_recovered",
)
INTEGER_COLUMNS = ZERO_COUNTS + AGENT_LEVEL_COUNTS + ("n_responses", "input_tokens_sum", "output_tokens_sum")
M1_SUMS = (
    "m1_weight_sum",
    "m1_weighted_confidence_sum",
    "m1_weighted_correct_sum",
    "m1_weighted_squared_error_sum",
    "m1_ece_gap_sum",
)


def _key(row: Mapping[str, Any]) -> Key:
    return (hour_from_epoch(row["hour_epoch"]), str(row["agent_id"]), str(row["agent_version"]))


def _row(rows: dict[Key, dict[str, Any]], key: Key) -> dict[str, Any]:
    if key not in rows:
        rows[key] = {
            "hour": key[0],
            "agent_id": key[1],
            "agent_version": key[2],
            "n_responses": 0,
            **{c: 0 for c in ZERO_COUNTS},
            **dict.fromkeys(M1_SUMS, 0.0),
        }
        if key[2] == AGENT_LEVEL:
            rows[key].update({c: 0 for c in AGENT_LEVEL_COUNTS})
            rows[key]["m6_recovery_seconds_sum"] = 0.0
            rows[key]["m6_truncated"] = False
    return rows[key]


def _merge_sql(rows: dict[Key, dict[str, Any]], found: list[dict[str, Any]]) -> None:
    for item in found:
        row = _row(rows, _key(item))
        for name, value in item.items():
            if name in (
                "hour_epoch",
                "agent_id",
                "agent_version",
                "decision_name",
                "decision_path",
            ):
                continue
            if name in ("n_shadow_pairs", "n_shadow_disagreements"):
                row[name] += int(value or 0)
            elif value is None:
                row[name] = 0 if name in ZERO_COUNTS or name in AGENT_LEVEL_COUNTS else None
            elif name in INTEGER_COLUMNS:
                row[name] = int(value)
            else:
                row[name] = float(value)


def agent_metrics_rows(
    connection: Connection, start: datetime, end: datetime, as_of: datetime, kept: KeptHours | None = None
) -> list[dict[str, Any]]:
    """Every agent_metrics_hourly row of the hours in [start, end) (naive UTC), rates derived.

    `as_of` is the moment of the build: nothing at or after it has happened yet (SPEC §8), so
    the still-filling hour is judged as of then, and every row records the moment it is
    judged at (`as_of`: the build time, or the hour's end once the hour is over). `kept`, when
    given, collects M6's reduced outcomes of the window for later builds (recovery_state.py).
    """
    rows: dict[Key, dict[str, Any]] = {}
    for name in window_queries(connection.dialect.name):
        _merge_sql(rows, run_query(connection, name, start, min(end, as_of)))
    for name in ("sessions", "session_activity"):
        _merge_sql(rows, run_query(connection, name, start, end, as_of=as_of))
    for source in (m1_by_hour(connection, start, min(end, as_of)), m2_by_hour(connection, start, min(end, as_of))):
        for key, values in source.items():
            _row(rows, key).update(values)
    m5 = m5_by_hour(connection, start, end, as_of)
    m6 = m6_by_hour(connection, start, end, as_of, kept)
    agents = {(k[0], k[1]) for k in rows} | set(m5) | set(m6)
    for hour, agent in agents:
        row = _row(rows, (hour, agent, AGENT_LEVEL))
        ended, completed = m5.get((hour, agent), (0, 0))
        row["n_runs_ended"], row["n_runs_completed"] = ended, completed
        recovery = m6.get((hour, agent))
        if recovery is not None:
            row["n_incidents_recovered"] = recovery.n_recovered
            row["m6_recovery_seconds_sum"] = recovery.recovery_s_sum
            row["m6_mttr_seconds"] = recovery.mttr_s
            row["m6_open_incident_age_seconds"] = recovery.open_age_s
            if recovery.open_since_epoch is not None:
                row["m6_open_incident_opened_at"] = from_epoch(recovery.open_since_epoch)
            row["m6_truncated"] = recovery.truncated
    for (hour, _, _), row in rows.items():
        row["as_of"] = min(as_of, hour + HOUR)
    return [derive_rates(rows[key]) for key in sorted(rows)]


def derive_rates(row: dict[str, Any]) -> dict[str, Any]:
    """The rates of a row from its numerators and denominators (None when empty)."""
    # Responses no validator looked at (no `flags`) cannot feed M4: NULL, not 0.0.
    row["m4_hallucination_rate"] = ratio(row["n_hallucination_flagged"], row["n_flag_checked"])
    row["m2_coherence_ratio"] = ratio(row["m2_early_refs"], row["m2_recent_refs"])
    row["m3_disagreement_rate"] = ratio(row["n_shadow_disagreements"], row["n_shadow_pairs"])
    if row.get("n_sessions") is not None:
        row["m7_escalation_rate"] = ratio(row["n_handoff_sessions"], row["n_sessions"])
        row["m7_abandonment_rate"] = ratio(row["n_abandon_sessions"], row["n_sessions"])
    if row.get("n_runs_ended") is not None:
        row["m5_completion_rate"] = ratio(row["n_runs_completed"], row["n_runs_ended"])
    return row
