"""session_coherence in the database: summarised sessions written with INSERT … SELECT.

Most sessions of an hour have nothing for the profiler (no late response, re-ask or name=value
reference after the user's: `needs_profile` = 0 in sql/metrics/session_summaries.sql); their
rows are their summary with empty findings. The window's summaries go into a temporary table;
those sessions' rows are written from it by one INSERT … SELECT, and only the sessions that
need the profiler come into Python (lib/rollup/coherence.py).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, text

from agent_monitor.lib.rollup.sql import query_text
from agent_monitor.lib.warehouse.results import result_dicts

TEMP = "session_summaries_window"

# The hour of the last event (a naive UTC timestamp in the dialect's own storage form: SQLite
# stores SQLAlchemy's 'YYYY-MM-DD HH:MM:SS.ffffff' text), the agents sorted by code point and
# the JSON literals of empty findings.
_DIALECT = {
    "postgresql": {
        "hour": "(to_timestamp(FLOOR(s.last_epoch / 3600) * 3600) AT TIME ZONE 'UTC')",
        "agents": "(SELECT COALESCE(jsonb_agg(a ORDER BY a COLLATE \"C\"), '[]'::jsonb)"
                  " FROM json_array_elements_text(s.agent_ids) AS a WHERE a IS NOT NULL)",
        "empty": "'[]'::jsonb",
        "false": "FALSE",
    },
    "sqlite": {
        "hour": "strftime('%Y-%m-%d %H:%M:%S.000000', CAST(s.last_epoch / 3600 AS INTEGER) * 3600, 'unixepoch')",
        "agents": "(SELECT json_group_array(value) FROM (SELECT value FROM json_each(s.agent_ids)"
                  " WHERE value IS NOT NULL ORDER BY value))",
        "empty": "'[]'",
        "false": "0",
    },
}

INSERT_SUMMARISED = """
INSERT INTO session_coherence (
    session_id, hour, agent_ids, first_ts, last_ts, n_events, n_responses, max_turn,
    n_late_responses, early_refs, recent_refs, coherence_ratio, reasked_fields, n_reasked_fields,
    n_reask_requests, contradicted_facts, n_contradicted_facts, flagged, flag_reasons, built_at)
SELECT s.session_id, {hour}, {agents}, s.first_ts, s.last_ts, s.n_events, COALESCE(s.n_responses, 0),
       s.max_turn, 0, 0, 0, NULL, {empty}, 0, 0, {empty}, 0, {false}, {empty}, :built_at
FROM {temp} s
WHERE s.needs_profile = 0
"""


def stage_summaries(connection: Connection, start: datetime, end: datetime, since: datetime) -> None:
    """The window's session summaries into the temporary table (replaced if present)."""
    connection.execute(text(f"DROP TABLE IF EXISTS {TEMP}"))
    summaries = query_text("session_summaries", connection.dialect.name)
    connection.execute(text(f"CREATE TEMPORARY TABLE {TEMP} AS {summaries}"),
                       {"start": start, "end": end, "since": since})


def profiled_summaries(connection: Connection) -> list[dict[str, Any]]:
    """The staged summaries of the sessions that need the profiler."""
    return result_dicts(connection.execute(text(f"SELECT * FROM {TEMP} WHERE needs_profile = 1")))


def staged_count(connection: Connection) -> int:
    return int(connection.execute(text(f"SELECT COUNT(*) FROM {TEMP}")).scalar_one())


def delete_moved(connection: Connection, table_name: str = "session_coherence") -> None:
    """Rows of the staged sessions written by an earlier hour (the session has moved here)."""
    connection.execute(text(f"DELETE FROM {table_name} WHERE session_id IN (SELECT session_id FROM {TEMP})"))


def insert_summarised(connection: Connection, built_at: datetime) -> int:
    """Write the rows of the staged sessions that need no profiler; returns how many."""
    sql = INSERT_SUMMARISED.format(temp=TEMP, **_DIALECT[connection.dialect.name])
    return int(connection.execute(text(sql), {"built_at": built_at}).rowcount or 0)


def drop_staged(connection: Connection) -> None:
    connection.execute(text(f"DROP TABLE IF EXISTS {TEMP}"))
