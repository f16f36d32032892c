"""The aggregating SQL of sql/metrics/: load a query for the engine's dialect and run it."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path
from typing import Any

from sqlalchemy import Connection, text

from agent_monitor.lib.warehouse.local_settings import local_setting
from agent_monitor.lib.warehouse.results import result_dicts

SQL_FOLDER = Path(__file__).resolve().parents[3] / "sql" / "metrics"

# Dialect fragments substituted into the SQL text. They are fixed expressions, never values:
# every value is a bound parameter (:start, :end). The hour bucket is the epoch second of the
# hour's start, computed from ts_epoch (FLOOR on PostgreSQL; on SQLite CAST truncates, which
# is floor for the positive epochs of any real event).
HOUR_BUCKET = {
    "postgresql": "(FLOOR({alias}.ts_epoch / 3600) * 3600)",
    "sqlite": "(CAST({alias}.ts_epoch / 3600 AS INTEGER) * 3600)",
}

# Latency percentiles computed inside responses.sql, in its scan (PostgreSQL); SQLite ranks
# latencies in a query of its own (latency.sqlite.sql). See `window_queries`.
LATENCY_PERCENTILES = {
    "postgresql": (",\n       percentile_cont(0.5) WITHIN GROUP (ORDER BY e.latency_ms) AS latency_p50_ms"
                   ",\n       percentile_cont(0.95) WITHIN GROUP (ORDER BY e.latency_ms) AS latency_p95_ms"),
    "sqlite": "",
}

# The aggregate that collects values into a JSON array.
JSON_ARRAY_AGG = {"postgresql": "json_agg", "sqlite": "json_group_array"}

# Fixed names and expressions (never values) that differ between the dialects. The JSON columns
# are JSONB on PostgreSQL and JSON text on SQLite. Text comparisons that must follow Python's
# code point order name PostgreSQL's "C" collation (SQLite's default, BINARY, is that order).
PLAIN_FRAGMENTS = {
    "postgresql": {
        "json_agg": "jsonb_agg",
        "json_object": "jsonb_build_object",
        "json_type": "jsonb_typeof",
        "position": "strpos",
        "collate": ' COLLATE "C"',
        # In a correlated subquery, keeps it a lookup by key for each outer row: PostgreSQL does
        # not turn a subquery with an OFFSET into a join, which with a long history it may
        # otherwise do by cost, reading every matching row before the window (`{per_row}`).
        "per_row": "OFFSET 0",
        # A derived table joined as a lookup for each row of the table before it: `CROSS JOIN
        # {lateral}(SELECT … WHERE {lateral_key:KEY OUTER_KEY} … {per_row}) x WHERE
        # {joined_key:KEY OUTER_KEY}`. PostgreSQL correlates it (LATERAL, kept a subquery by
        # the OFFSET); SQLite cannot, so it joins on the key outside, CROSS JOIN keeping the
        # table before it the outer loop.
        "lateral": "LATERAL ",
    },
    "sqlite": {
        "json_agg": "json_group_array",
        "json_object": "json_object",
        "json_type": "json_type",
        "position": "instr",
        "collate": "",
        "per_row": "",
        "lateral": "",
    },
}

# Fragments that wrap an expression: `{name:EXPR}` in the SQL text.
TEMPLATES = {
    "postgresql": {
        # The items of a JSON array as a table ALIAS(value, key), key their order; no rows when
        # EXPR is not an array (`{elements:EXPR ALIAS}`).
        "elements": "jsonb_array_elements_text(CASE WHEN jsonb_typeof({0}) = 'array' THEN {0} END)"
                    " WITH ORDINALITY AS {1}(value, key)",
        # A member of a JSON object, as JSON; NULL when absent (`{json_field:EXPR NAME}`).
        "json_field": "({0} -> '{1}')",
        # JSON text as the JSON column's type.
        "as_json": "CAST({0} AS JSONB)",
        # The naive UTC timestamp of an epoch second, in the column's storage form.
        "timestamp": "(to_timestamp({0}) AT TIME ZONE 'UTC')",
        # A JSON array's non-null strings, sorted in code point order, as a JSON array (an
        # array of one string as it is).
        "sorted_texts": "(CASE WHEN json_array_length({0}) = 1 AND ({0} ->> 0) IS NOT NULL"
                        " THEN CAST({0} AS JSONB) ELSE"
                        " (SELECT COALESCE(jsonb_agg(a ORDER BY a COLLATE \"C\"), '[]'::jsonb)"
                        " FROM json_array_elements_text({0}) AS a WHERE a IS NOT NULL) END)",
        # A column compared without its index (`{unindexed:EXPR}`): PostgreSQL's statistics
        # already steer it to the selective index.
        "unindexed": "{0}",
        # The greatest integer not above a non-negative number (`{floor:EXPR}`).
        "floor": "FLOOR({0})",
        # The key of a lookup (`lateral` above): inside the derived table, or outside it.
        "lateral_key": "{0} = {1}",
        "joined_key": "TRUE",
    },
    "sqlite": {
        "elements": "json_each(CASE WHEN json_type({0}) = 'array' THEN {0} END) AS {1}",
        "json_field": "({0} -> '$.{1}')",
        "as_json": "{0}",
        "timestamp": "strftime('%Y-%m-%d %H:%M:%S.000000', {0}, 'unixepoch')",
        "sorted_texts": "(SELECT json_group_array(value) FROM (SELECT value FROM json_each({0})"
                        " WHERE value IS NOT NULL ORDER BY value))",
        # Unary plus keeps SQLite from using an index on EXPR: without statistics it prefers
        # the index matching more columns (agent_id, ts < start: all of an agent's history)
        # to the selective one (session_id).
        "unindexed": "+{0}",
        "floor": "CAST({0} AS INTEGER)",
        "lateral_key": "1 = 1",
        "joined_key": "{0} = {1}",
    },
}


class Template:
    """A fragment used as `{name:arguments}`: the arguments (split at the last space when the
    template takes two) fill the template."""

    def __init__(self, template: str) -> None:
        self.template = template

    def __format__(self, spec: str) -> str:
        arguments = spec.rsplit(" ", 1) if "{1}" in self.template else [spec]
        return self.template.format(*arguments)


@cache
def query_text(name: str, dialect: str) -> str:
    """The SQL of `name` for a dialect: `name.<dialect>.sql` if present, else `name.sql`."""
    if dialect not in HOUR_BUCKET:
        raise ValueError(f"unsupported warehouse dialect {dialect!r} (sqlite, postgresql)")
    specific = SQL_FOLDER / f"{name}.{dialect}.sql"
    path = specific if specific.is_file() else SQL_FOLDER / f"{name}.sql"
    fragments: dict[str, object] = {f"hour_{a}": HOUR_BUCKET[dialect].format(alias=a) for a in ("e", "p", "b", "o")}
    fragments["json_array_agg"] = JSON_ARRAY_AGG[dialect]
    fragments.update(PLAIN_FRAGMENTS[dialect])
    fragments.update({key: Template(template) for key, template in TEMPLATES[dialect].items()})
    fragments["latency_percentiles"] = LATENCY_PERCENTILES[dialect]
    return path.read_text(encoding="utf-8").format(**fragments)


def window_queries(dialect: str) -> tuple[str, ...]:
    """The per-version aggregates of a window: latency rides in responses where it can."""
    return ("responses", "shadow_pairs") if LATENCY_PERCENTILES[dialect] else ("responses", "latency", "shadow_pairs")


# Queries whose join to raw_events must stay a lookup by key for each of the window's rows:
# PostgreSQL runs them with hash and merge joins off. With a day of history its planner
# merge-joined shadow_pairs' primaries with every shadow response ever logged (the whole
# `shadow_of` index: 106 ms against 7 ms for a 10k-event hour, and growing with the history).
KEYED_JOINS = frozenset({"shadow_pairs"})


def run_query(
    connection: Connection, name: str, start: datetime, end: datetime, **params: Any
) -> list[dict[str, Any]]:
    """Rows of an aggregating query over the window [start, end) (naive UTC), as dicts.

    Further bound parameters (e.g. the build's `as_of`) are passed by name.
    """
    statement = text(query_text(name, connection.dialect.name))
    values = {"start": start, "end": end, **params}
    if name not in KEYED_JOINS:
        return result_dicts(connection.execute(statement, values))
    with local_setting(connection, "enable_hashjoin", "off"), local_setting(connection, "enable_mergejoin", "off"):
        return result_dicts(connection.execute(statement, values))


def hour_from_epoch(epoch: float) -> datetime:
    """The naive UTC datetime of an hour bucket (epoch seconds)."""
    return datetime.fromtimestamp(int(round(float(epoch))), UTC).replace(tzinfo=None)


# work_mem for the session summaries, profiles and M2 (lib/warehouse/local_settings.py): their
# JSON array expansions, sorts and CTEs spilled to disk with the default 4 MB from a few
# hundred thousand events an hour.
SESSION_WORK_MEM = "64MB"
