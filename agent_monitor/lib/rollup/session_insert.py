"""session_coherence in the database: summaries staged, profiles written with INSERT … SELECT.

The window's session summaries (sql/metrics/session_summaries.sql) go into a temporary table;
one INSERT … SELECT (sql/metrics/session_profiles.sql) writes every staged session's row: the
profiler said in SQL for the sessions that need it (`needs_profile`), the summary with empty
findings for the others. The few sessions it leaves out (list values that are neither arrays
nor null) are read by the profiler in Python (lib/rollup/coherence.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from agent_monitor.lib.metrics.coherence import CoherenceFlagRule
from agent_monitor.lib.rollup.sql import query_text
from agent_monitor.lib.rollup.window import HOUR, LOOKBACK
from agent_monitor.lib.warehouse.results import result_dicts

# The name sql/metrics/session_profiles.sql reads the staged summaries from.
TEMP = "session_summaries_window"


def summary_params(start: datetime, end: datetime) -> dict[str, datetime]:
    """The bound parameters of sql/metrics/session_summaries.sql for the window [start, end)."""
    return {"start": start, "end": end, "since": start - LOOKBACK, "recent": end - LOOKBACK - HOUR}


def stage_summaries(connection: Connection, start: datetime, end: datetime) -> None:
    """The window's session summaries into the temporary table (replaced if present)."""
    connection.execute(text(f"DROP TABLE IF EXISTS {TEMP}"))
    summaries = query_text("session_summaries", connection.dialect.name)
    connection.execute(text(f"CREATE TEMPORARY TABLE {TEMP} AS {summaries}"), summary_params(start, end))
    if connection.dialect.name == "postgresql":
        # Temporary tables are never analysed by autovacuum: give the planner the row count.
        connection.execute(text(f"ANALYZE {TEMP}"))


def staged_count(connection: Connection) -> int:
    return int(connection.execute(text(f"SELECT COUNT(*) FROM {TEMP}")).scalar_one())


def delete_moved(connection: Connection, table_name: str = "session_coherence") -> None:
    """Rows of the staged sessions written by an earlier hour (the session has moved here)."""
    connection.execute(text(f"DELETE FROM {table_name} WHERE session_id IN (SELECT session_id FROM {TEMP})"))


def insert_profiles(connection: Connection, since: datetime, built_at: datetime,
                    rule: CoherenceFlagRule | None = None) -> list[dict[str, Any]]:
    """Write the rows of the staged sessions, profiled in SQL where needed; returns each written
    row's hour, flagged and n_late_responses.

    The staged sessions must have no row in session_coherence (`delete_moved`).
    """
    rule = rule or CoherenceFlagRule()
    params = {
        "since": since,
        "built_at": built_at,
        "min_ratio": float(rule.min_ratio),
        "min_late_responses": int(rule.min_late_responses),
        "flag_reasked_fields": int(rule.flag_reasked_fields),
        "flag_contradicted_facts": int(rule.flag_contradicted_facts),
        "flag_tool_loops": int(rule.flag_tool_loops),
        "flag_repeated_questions": int(rule.flag_repeated_questions),
    }
    sql = query_text("session_profiles", connection.dialect.name)
    return result_dicts(connection.execute(text(sql), params))


def unwritten_summaries(connection: Connection, table_name: str = "session_coherence") -> list[dict[str, Any]]:
    """The staged sessions that `insert_profiles` left to the profiler in Python."""
    return result_dicts(connection.execute(text(
        f"SELECT * FROM {TEMP} s WHERE NOT EXISTS "
        f"(SELECT 1 FROM {table_name} c WHERE c.session_id = s.session_id)")))


def drop_staged(connection: Connection) -> None:
    connection.execute(text(f"DROP TABLE IF EXISTS {TEMP}"))
