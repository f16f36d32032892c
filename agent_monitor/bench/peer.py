"""The peer in the bench: DuckDB (in memory, one thread) computing the same outputs.

For one window of hours, DuckDB loads the warehouse's events (the window, its 24-hour
look-back and the rest of the UTC days it touches) and computes, in SQL only:

- the agent-hour figures of `agent_metrics_hourly` that come from the hour's events
  (responses, latency, shadow pairs, M7 sessions, P3 activity) and M2, rates derived;
- M2 per hour × agent × version (late responses, Σearly, Σrecent, late sessions);
- the `session_coherence` rows (summary, late references, re-asked fields, contradicted facts,
  flags);
- the review sample: u, π_rule, the daily top-up threshold t and π = max(π_rule, t).

M1, M5 and M6 are not computed by the peer (their inputs span more than the hour's events).
The functions return the outputs as lists of dicts in the column names of our tables, so
that a test can compare them row for row with what the hourly assets wrote.
"""

from __future__ import annotations

import math
import re
import time
from collections.abc import Callable, Collection
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import Engine, Text, cast, select

from agent_monitor.lib.config import ReviewSettings
from agent_monitor.lib.metrics.coherence import (
    EARLY_LAST_TURN,
    LATE_TURN,
    RECENT_SPAN,
    CoherenceFlagRule,
)
from agent_monitor.lib.rollup.session_insert import summary_params
from agent_monitor.lib.rollup.sql import HOUR_BUCKET, PLAIN_FRAGMENTS, SQL_FOLDER, TEMPLATES, Template
from agent_monitor.lib.rollup.window import LOOKBACK, from_epoch
from agent_monitor.lib.warehouse.tables_raw import raw_events as ev

PLAIN_COLUMNS = (
    "event_id", "event_type", "ts", "ts_epoch", "agent_id", "agent_version", "session_id", "turn",
    "confidence", "input_tokens", "output_tokens", "latency_ms", "status", "input_hash",
    "decision_name", "decision_value", "decision_path", "deployment", "shadow_of",
    "has_hallucination_flag", "output_entropy", "hedging_rate", "repeated_trigram_rate",
    "kind", "target_event_id", "verdict",
)
JSON_COLUMNS = ("facts_referenced", "fields_requested", "facts_provided", "fields_provided", "flags", "attributes")
DAY = timedelta(days=1)


def connect() -> Any:
    """An in-memory DuckDB on one thread (the machine's other core runs the warehouse)."""
    import duckdb

    connection = duckdb.connect(":memory:")
    connection.execute("SET threads = 1")
    return connection


def _day(moment: datetime) -> datetime:
    return moment.replace(hour=0, minute=0, second=0, microsecond=0)


def since(start: datetime) -> datetime:
    """The first moment of the events a window's outputs read: min(start − 24 h, start's midnight)."""
    return min(start - LOOKBACK, _day(start))


def load(con: Any, engine: Engine, start: datetime, end: datetime) -> int:
    """Copy the events the window's outputs read into DuckDB's `raw_events`; returns the count.

    Events since min(start − 24 h, start's midnight), with no upper bound (a session the window
    owns must have its last event in the window), JSON columns as their text.
    """
    import pandas as pd

    columns = [ev.c[name] for name in PLAIN_COLUMNS]
    columns += [cast(ev.c[name], Text).label(name) for name in JSON_COLUMNS]
    statement = select(*columns).where(ev.c.ts >= since(start))
    with engine.connect() as connection:
        frame = pd.read_sql(statement, connection)
    frame["ts"] = pd.to_datetime(frame["ts"])
    for name in ("confidence", "latency_ms", "output_entropy", "hedging_rate", "repeated_trigram_rate"):
        frame[name] = frame[name].astype("float64")
    con.register("loaded", frame)
    con.execute("DROP TABLE IF EXISTS raw_events")
    con.execute("CREATE TABLE raw_events AS SELECT * FROM loaded")
    con.unregister("loaded")
    return int(con.execute("SELECT COUNT(*) FROM raw_events").fetchone()[0])


def _our_sql(name: str) -> str:
    """Our query `name` in its PostgreSQL form, with DuckDB's parameter style ($name)."""
    specific = SQL_FOLDER / f"{name}.postgresql.sql"
    path = specific if specific.is_file() else SQL_FOLDER / f"{name}.sql"
    fragments = {f"hour_{a}": HOUR_BUCKET["postgresql"].format(alias=a) for a in ("e", "p", "b", "o")}
    fragments["json_array_agg"] = "list"
    fragments["json_field"] = Template("json_extract({0}, '$.{1}')")
    fragments["latency_percentiles"] = ""  # the peer runs latency.postgresql.sql on its own
    fragments["collate"] = ""
    fragments["per_row"] = ""
    fragments["lateral"] = PLAIN_FRAGMENTS["postgresql"]["lateral"]  # DuckDB correlates as PostgreSQL does
    fragments.update({key: Template(TEMPLATES["postgresql"][key]) for key in ("lateral_key", "joined_key")})
    fragments["unindexed"] = Template("{0}")
    return re.sub(r"(?<!:):(\w+)", r"$\1", path.read_text(encoding="utf-8").format(**fragments))


def _dicts(con: Any, sql: str, params: dict[str, Any] | None = None) -> list[dict[str, Any]]:
    cursor = con.execute(sql, params or {})
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


# Late responses in [start, end) and their early / recent references, each hour's sessions
# seen from their events in [hour − 24 h, hour end) (SPEC §4 M2; lib/metrics/coherence.py).
M2_SQL = f"""
CREATE OR REPLACE TABLE peer_m2 AS
WITH late AS (
    SELECT FLOOR(e.ts_epoch / 3600) * 3600 AS hour_epoch, e.session_id, e.event_id, e.turn,
           e.agent_id, COALESCE(e.agent_version, '') AS agent_version, e.facts_referenced
    FROM raw_events e
    WHERE e.event_type = 'agent_response' AND COALESCE(e.deployment, 'primary') <> 'shadow'
      AND e.turn >= {LATE_TURN} AND e.session_id IS NOT NULL
      AND e.ts >= $start AND e.ts < $end
),
sessions AS (SELECT DISTINCT hour_epoch, session_id FROM late),
facts AS (
    SELECT s.hour_epoch, s.session_id, e.turn,
           UNNEST(COALESCE(from_json(e.facts_provided, '["VARCHAR"]'), [])
                  || COALESCE(from_json(e.facts_referenced, '["VARCHAR"]'), [])) AS fact
    FROM sessions s
    JOIN raw_events e ON e.session_id = s.session_id
    WHERE e.event_type IN ('user_message', 'agent_response')
      AND COALESCE(e.deployment, 'primary') <> 'shadow' AND e.turn IS NOT NULL
      AND e.ts_epoch >= s.hour_epoch - 86400 AND e.ts_epoch < s.hour_epoch + 3600
),
intro AS (SELECT hour_epoch, session_id, fact, MIN(turn) AS first FROM facts GROUP BY ALL),
refs AS (
    SELECT DISTINCT l.hour_epoch, l.session_id, l.event_id, l.turn,
           UNNEST(from_json(l.facts_referenced, '["VARCHAR"]')) AS fact
    FROM late l
),
counted AS (
    SELECT r.event_id,
           SUM(CASE WHEN i.first BETWEEN 1 AND {EARLY_LAST_TURN} THEN 1 ELSE 0 END) AS early,
           SUM(CASE WHEN i.first BETWEEN r.turn - {RECENT_SPAN} AND r.turn THEN 1 ELSE 0 END) AS recent
    FROM refs r
    JOIN intro i ON i.hour_epoch = r.hour_epoch AND i.session_id = r.session_id AND i.fact = r.fact
    GROUP BY r.event_id
)
SELECT l.hour_epoch, l.agent_id, l.agent_version, l.session_id, l.event_id, l.turn,
       COALESCE(c.early, 0) AS early, COALESCE(c.recent, 0) AS recent
FROM late l LEFT JOIN counted c ON c.event_id = l.event_id
"""

M2_BY_HOUR_SQL = """
SELECT hour_epoch, agent_id, agent_version,
       COUNT(*) AS n_late_responses,
       SUM(early) AS m2_early_refs,
       SUM(recent) AS m2_recent_refs,
       COUNT(DISTINCT session_id) AS n_late_sessions
FROM peer_m2
GROUP BY ALL
ORDER BY ALL
"""


def m2(con: Any, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """M2 per hour × agent × version of the hours in [start, end)."""
    con.execute(M2_SQL, {"start": start, "end": end})
    return _dicts(con, M2_BY_HOUR_SQL)


ZERO_COUNTS = (
    "n_error_responses", "n_hallucination_flagged", "n_flag_checked", "n_late_responses", "n_late_sessions",
    "m2_early_refs", "m2_recent_refs", "n_shadow_pairs", "n_shadow_disagreements", "n_confidence",
    "n_entropy", "n_hedging", "n_trigram", "n_output_tokens", "n_latency",
)
AGENT_LEVEL_COUNTS = ("n_sessions", "n_handoff_sessions", "n_abandon_sessions", "user_turns")
SUMS = ("input_tokens_sum", "output_tokens_sum", "confidence_sum", "entropy_sum", "hedging_sum", "trigram_sum",
        "latency_p50_ms", "latency_p95_ms", "active_session_minutes")
RATES = ("m4_hallucination_rate", "m2_coherence_ratio", "m3_disagreement_rate", "m7_escalation_rate",
         "m7_abandonment_rate")
# The agent_metrics_hourly columns the peer computes (besides the key and n_responses).
AGENT_HOUR_COLUMNS = ("n_responses", *ZERO_COUNTS, *AGENT_LEVEL_COUNTS, *SUMS, *RATES)


def _ratio_sql(numerator: str, denominator: str) -> str:
    return f"CASE WHEN {denominator} > 0 THEN CAST({numerator} AS DOUBLE) / {denominator} END"


def agent_hour(con: Any, start: datetime, end: datetime, as_of: datetime) -> list[dict[str, Any]]:
    """The agent-hour figures of [start, end) from our own queries (PostgreSQL form) and M2."""
    params = {"start": start, "end": min(end, as_of)}
    for name in ("responses", "latency", "shadow_pairs"):
        con.execute(f"CREATE OR REPLACE TEMP TABLE peer_{name} AS {_our_sql(name)}", params)
    for name in ("sessions", "session_activity"):
        con.execute(f"CREATE OR REPLACE TEMP TABLE peer_{name} AS {_our_sql(name)}",
                    {"start": start, "end": end, "as_of": as_of})
    con.execute(M2_SQL, params)
    con.execute(f"CREATE OR REPLACE TEMP TABLE peer_m2_hour AS {M2_BY_HOUR_SQL}")
    con.execute("""
        CREATE OR REPLACE TEMP TABLE peer_shadow_hour AS
        SELECT hour_epoch, agent_id, agent_version, SUM(n_shadow_pairs) AS n_shadow_pairs,
               SUM(n_shadow_disagreements) AS n_shadow_disagreements
        FROM peer_shadow_pairs GROUP BY ALL
    """)
    keys = " UNION ".join(
        f"SELECT hour_epoch, agent_id, agent_version FROM {t}"
        for t in ("peer_responses", "peer_latency", "peer_shadow_hour", "peer_sessions",
                  "peer_session_activity", "peer_m2_hour")
    )
    agent_keys = " UNION ".join(
        f"SELECT hour_epoch, agent_id, '' FROM {t}"
        for t in ("peer_responses", "peer_latency", "peer_shadow_hour", "peer_sessions",
                  "peer_session_activity", "peer_m2_hour")
    )
    zero = ", ".join(f"COALESCE({c}, 0) AS {c}" for c in ZERO_COUNTS)
    level = ", ".join(f"CASE WHEN k.agent_version = '' THEN COALESCE({c}, 0) END AS {c}" for c in AGENT_LEVEL_COUNTS)
    sql = f"""
        WITH k AS ({keys} UNION {agent_keys}),
        joined AS (
            SELECT k.hour_epoch, k.agent_id, k.agent_version,
                   COALESCE(r.n_responses, 0) AS n_responses, {zero}, {level},
                   r.input_tokens_sum, r.output_tokens_sum, r.confidence_sum, r.entropy_sum,
                   r.hedging_sum, r.trigram_sum, l.latency_p50_ms, l.latency_p95_ms,
                   a.active_session_minutes
            FROM k
            LEFT JOIN peer_responses r USING (hour_epoch, agent_id, agent_version)
            LEFT JOIN peer_latency l USING (hour_epoch, agent_id, agent_version)
            LEFT JOIN peer_shadow_hour p USING (hour_epoch, agent_id, agent_version)
            LEFT JOIN peer_sessions s USING (hour_epoch, agent_id, agent_version)
            LEFT JOIN peer_session_activity a USING (hour_epoch, agent_id, agent_version)
            LEFT JOIN peer_m2_hour m USING (hour_epoch, agent_id, agent_version)
        )
        SELECT *,
               {_ratio_sql('n_hallucination_flagged', 'n_flag_checked')} AS m4_hallucination_rate,
               {_ratio_sql('m2_early_refs', 'm2_recent_refs')} AS m2_coherence_ratio,
               {_ratio_sql('n_shadow_disagreements', 'n_shadow_pairs')} AS m3_disagreement_rate,
               {_ratio_sql('n_handoff_sessions', 'n_sessions')} AS m7_escalation_rate,
               {_ratio_sql('n_abandon_sessions', 'n_sessions')} AS m7_abandonment_rate
        FROM joined ORDER BY hour_epoch, agent_id, agent_version
    """
    return _dicts(con, sql)


def session_profiles(con: Any, start: datetime, end: datetime,
                     rule: CoherenceFlagRule | None = None) -> list[dict[str, Any]]:
    """session_coherence rows of the sessions whose last event is in [start, end)."""
    rule = rule or CoherenceFlagRule()
    con.execute(f"CREATE OR REPLACE TEMP TABLE peer_summaries AS {_our_sql('session_summaries')}",
                summary_params(start, end))
    sql = f"""
    WITH s AS (
        SELECT session_id, FLOOR(last_epoch / 3600) * 3600 AS hour_epoch FROM peer_summaries
    ),
    walk AS (  -- the session's primary user messages and responses with a turn, since hour − 24 h
        SELECT s.session_id, s.hour_epoch, e.event_id, e.event_type, e.turn, e.ts_epoch,
               from_json(e.facts_provided, '["VARCHAR"]') AS facts_provided,
               from_json(e.facts_referenced, '["VARCHAR"]') AS facts_referenced,
               from_json(e.fields_provided, '["VARCHAR"]') AS fields_provided,
               from_json(e.fields_requested, '["VARCHAR"]') AS fields_requested
        FROM s JOIN raw_events e ON e.session_id = s.session_id
        WHERE e.event_type IN ('user_message', 'agent_response')
          AND COALESCE(e.deployment, 'primary') <> 'shadow' AND e.turn IS NOT NULL
          AND e.ts_epoch >= s.hour_epoch - 86400
    ),
    intro AS (
        SELECT session_id, fact, MIN(turn) AS first FROM (
            SELECT session_id, turn, UNNEST(COALESCE(facts_provided, []) || COALESCE(facts_referenced, [])) AS fact
            FROM walk) GROUP BY ALL
    ),
    late_refs AS (
        SELECT w.session_id, w.event_id,
               SUM(CASE WHEN i.first BETWEEN 1 AND {EARLY_LAST_TURN} THEN 1 ELSE 0 END) AS early,
               SUM(CASE WHEN i.first BETWEEN w.turn - {RECENT_SPAN} AND w.turn THEN 1 ELSE 0 END) AS recent
        FROM (SELECT DISTINCT session_id, event_id, turn, UNNEST(facts_referenced) AS fact FROM walk
              WHERE event_type = 'agent_response' AND turn >= {LATE_TURN}) w
        JOIN intro i ON i.session_id = w.session_id AND i.fact = w.fact
        GROUP BY ALL
    ),
    late AS (
        SELECT w.session_id, COUNT(*) AS n_late_responses, COALESCE(SUM(r.early), 0) AS early_refs,
               COALESCE(SUM(r.recent), 0) AS recent_refs
        FROM walk w LEFT JOIN late_refs r ON r.event_id = w.event_id
        WHERE w.event_type = 'agent_response' AND w.turn >= {LATE_TURN}
        GROUP BY w.session_id
    ),
    provided AS (
        SELECT DISTINCT session_id, turn, UNNEST(fields_provided) AS field FROM walk
        WHERE event_type = 'user_message'
    ),
    requests AS (  -- each response's distinct requested fields, in walk order
        SELECT DISTINCT session_id, event_id, turn, ts_epoch, UNNEST(fields_requested) AS field FROM walk
        WHERE event_type = 'agent_response'
    ),
    reasks AS (
        SELECT q.session_id, q.field, q.turn, q.ts_epoch, q.event_id FROM requests q
        WHERE EXISTS (SELECT 1 FROM provided p WHERE p.session_id = q.session_id AND p.field = q.field
                      AND p.turn <= q.turn)
    ),
    reasked AS (
        SELECT session_id, COUNT(*) AS n_reask_requests,
               list(field ORDER BY turn, ts_epoch, event_id) AS fields
        FROM (SELECT *, ROW_NUMBER() OVER (PARTITION BY session_id, field ORDER BY turn, ts_epoch, event_id) AS k
              FROM reasks)
        WHERE k = 1 GROUP BY session_id
    ),
    reask_counts AS (SELECT session_id, COUNT(*) AS n FROM reasks GROUP BY session_id),
    user_values AS (
        SELECT session_id, turn, ts_epoch, event_id, split_part(fact, '=', 1) AS name,
               substr(fact, strpos(fact, '=') + 1) AS value
        FROM (SELECT session_id, turn, ts_epoch, event_id, UNNEST(facts_provided) AS fact FROM walk
              WHERE event_type = 'user_message')
        WHERE strpos(fact, '=') > 0
    ),
    referenced AS (
        SELECT DISTINCT session_id, event_id, turn, ts_epoch, split_part(fact, '=', 1) AS name,
               substr(fact, strpos(fact, '=') + 1) AS value
        FROM (SELECT session_id, event_id, turn, ts_epoch, UNNEST(facts_referenced) AS fact FROM walk
              WHERE event_type = 'agent_response')
        WHERE strpos(fact, '=') > 0
    ),
    contradictions AS (  -- the user's latest value of the name before the response differs
        SELECT r.session_id, r.name, r.turn, r.ts_epoch, r.event_id,
               arg_max(u.value, (u.turn, u.ts_epoch, u.event_id)) AS provided, r.value AS referenced
        FROM referenced r JOIN user_values u ON u.session_id = r.session_id AND u.name = r.name
             AND u.turn <= r.turn
        GROUP BY ALL
    ),
    contradicted AS (
        SELECT session_id, list(fact ORDER BY turn, ts_epoch, event_id) AS facts FROM (
            SELECT session_id, name || '=' || provided AS fact, turn, ts_epoch, event_id,
                   ROW_NUMBER() OVER (PARTITION BY session_id, name || '=' || provided
                                      ORDER BY turn, ts_epoch, event_id) AS k
            FROM contradictions WHERE provided <> referenced)
        WHERE k = 1 GROUP BY session_id
    )
    SELECT p.session_id, p.last_epoch, p.first_ts, p.last_ts, p.n_events, p.n_responses, p.max_turn,
           list_sort(list_filter(p.agent_ids, lambda x: x IS NOT NULL)) AS agent_ids,
           COALESCE(l.n_late_responses, 0) AS n_late_responses,
           COALESCE(l.early_refs, 0) AS early_refs, COALESCE(l.recent_refs, 0) AS recent_refs,
           {_ratio_sql('l.early_refs', 'l.recent_refs')} AS coherence_ratio,
           COALESCE(a.fields, []) AS reasked_fields, COALESCE(len(a.fields), 0) AS n_reasked_fields,
           COALESCE(rc.n, 0) AS n_reask_requests,
           COALESCE(c.facts, []) AS contradicted_facts, COALESCE(len(c.facts), 0) AS n_contradicted_facts
    FROM peer_summaries p
    LEFT JOIN late l USING (session_id)
    LEFT JOIN reasked a USING (session_id)
    LEFT JOIN reask_counts rc USING (session_id)
    LEFT JOIN contradicted c USING (session_id)
    ORDER BY p.session_id
    """
    rows = _dicts(con, sql)
    for row in rows:
        reasons = []
        ratio = row["coherence_ratio"]
        if ratio is not None and ratio < rule.min_ratio and row["n_late_responses"] >= rule.min_late_responses:
            reasons.append("low_coherence")
        if rule.flag_reasked_fields and row["n_reasked_fields"]:
            reasons.append("reasked_field")
        if rule.flag_contradicted_facts and row["n_contradicted_facts"]:
            reasons.append("contradicted_fact")
        row["flagged"], row["flag_reasons"] = bool(reasons), reasons
    return rows


def review_sample(
    con: Any, start: datetime, end: datetime, settings: ReviewSettings,
    critical_paths: Callable[[str], Collection[str]],
) -> list[dict[str, Any]]:
    """The review queue of the UTC days that [start, end) touches: (event_id, u, π_rule, π, topped_up)."""
    day_start = _day(start)
    day_end = _day(end) if _day(end) == end else _day(end) + DAY
    agents = [r[0] for r in con.execute(
        "SELECT DISTINCT agent_id FROM raw_events WHERE event_type = 'agent_response' AND agent_id IS NOT NULL"
    ).fetchall()]
    paths = [(agent, path) for agent in agents for path in critical_paths(str(agent))]
    con.execute("CREATE OR REPLACE TEMP TABLE peer_paths (agent_id VARCHAR, path VARCHAR)")
    if paths:
        con.executemany("INSERT INTO peer_paths VALUES (?, ?)", paths)
    s = settings

    def d(value: float) -> str:  # a DOUBLE literal (a bare 0.05 is DECIMAL in DuckDB)
        return f"CAST({value!r} AS DOUBLE)"

    sql = f"""
    CREATE OR REPLACE TEMP TABLE peer_sample AS
    WITH p AS (
        SELECT e.event_id, e.agent_id, e.ts, e.confidence, e.decision_name, e.decision_value,
               e.decision_path, e.flags
        FROM raw_events e
        WHERE e.event_type = 'agent_response' AND COALESCE(e.deployment, 'primary') <> 'shadow'
          AND e.ts >= $day_start AND e.ts < $day_end
    ),
    disagreeing AS (
        SELECT DISTINCT p.event_id FROM p JOIN raw_events sh ON sh.shadow_of = p.event_id
        WHERE sh.event_type = 'agent_response' AND sh.deployment = 'shadow'
          AND p.decision_name IS NOT NULL AND sh.decision_name = p.decision_name
          AND sh.decision_value IS DISTINCT FROM p.decision_value
    ),
    drawn AS (
        SELECT p.event_id, p.agent_id, CAST(p.ts AS DATE) AS day,
               CAST(('0x' || substr(sha256($salt || p.event_id), 1, 16))::UBIGINT AS DOUBLE)
                 / CAST(18446744073709551616.0 AS DOUBLE) AS u,
               LEAST(CAST(1 AS DOUBLE), {d(s.base_rate)}
                 * CASE WHEN p.confidence < {d(s.low_confidence_threshold)}
                        THEN {d(s.low_confidence_boost)} ELSE 1 END
                 * CASE WHEN c.path IS NOT NULL THEN {d(s.critical_path_boost)} ELSE 1 END
                 * CASE WHEN d.event_id IS NOT NULL THEN {d(s.shadow_disagreement_boost)} ELSE 1 END
                 * CASE WHEN COALESCE(len(from_json(p.flags, '["VARCHAR"]')), 0) > 0
                        THEN {d(s.flag_boost)} ELSE 1 END) AS rule_probability
        FROM p
        LEFT JOIN peer_paths c ON c.agent_id = p.agent_id AND c.path = p.decision_path
        LEFT JOIN disagreeing d ON d.event_id = p.event_id
    ),
    ranked AS (
        SELECT *, u < rule_probability AS by_rule,
               SUM(CASE WHEN u < rule_probability THEN 1 ELSE 0 END) OVER w AS n_sampled,
               COUNT(*) OVER w AS n_all,
               CASE WHEN u >= rule_probability THEN ROW_NUMBER() OVER (
                   PARTITION BY agent_id, day, u >= rule_probability ORDER BY u, event_id) END AS left_rank
        FROM drawn WINDOW w AS (PARTITION BY agent_id, day)
    ),
    thresholds AS (
        SELECT agent_id, day,
               CASE WHEN ANY_VALUE(n_all) < {s.daily_minimum} OR ANY_VALUE(n_sampled) > {s.daily_minimum} THEN 0.0
                    ELSE COALESCE(MAX(CASE WHEN left_rank = {s.daily_minimum} - n_sampled + 1 THEN u END), 1.0)
               END AS t
        FROM ranked GROUP BY agent_id, day
    ),
    reviewed AS (SELECT DISTINCT target_event_id AS event_id FROM raw_events WHERE event_type = 'review')
    SELECT r.event_id, r.u, r.rule_probability, GREATEST(r.rule_probability, t.t) AS inclusion_probability,
           (NOT r.by_rule AND r.u < t.t) AS topped_up
    FROM ranked r JOIN thresholds t USING (agent_id, day)
    WHERE r.by_rule OR r.u < t.t OR r.event_id IN (SELECT event_id FROM reviewed)
    """
    con.execute(sql, {"day_start": day_start, "day_end": day_end, "salt": s.salt})
    return _dicts(con, "SELECT * FROM peer_sample ORDER BY event_id")


def timed(function: Callable[..., Any], *args: Any, **kwargs: Any) -> tuple[Any, float]:
    """(result, seconds) of one call."""
    began = time.perf_counter()
    result = function(*args, **kwargs)
    return result, time.perf_counter() - began



# ---- Row-for-row comparison with the tables our hourly assets wrote ------------------------


def _same(a: Any, b: Any) -> bool:
    if a is None or b is None:
        return a is None and b is None
    if isinstance(a, bool) or isinstance(b, bool):
        return bool(a) == bool(b)
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) or hasattr(a, "as_integer_ratio"):
        return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-9)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def differences(
    ours: dict[tuple[Any, ...], dict[str, Any]], theirs: dict[tuple[Any, ...], dict[str, Any]],
    columns: Collection[str], default: Callable[[tuple[Any, ...]], dict[str, Any]] | None = None,
) -> list[str]:
    """Each key × column where the two sides differ ("key column: ours ≠ peer").

    A key missing on one side is compared with `default(key)` when given, else reported.
    """
    found: list[str] = []
    for key in sorted(ours.keys() | theirs.keys(), key=str):
        mine, peer = ours.get(key), theirs.get(key)
        if default is not None:
            mine = mine if mine is not None else default(key)
            peer = peer if peer is not None else default(key)
        if mine is None or peer is None:
            found.append(f"{key}: {'missing in ours' if mine is None else 'missing in the peer'}")
            continue
        found += [f"{key} {c}: {mine.get(c)!r} ≠ {peer.get(c)!r}"
                  for c in columns if not _same(mine.get(c), peer.get(c))]
    return found


def agent_hour_default(key: tuple[Any, ...]) -> dict[str, Any]:
    """The figures of an agent-hour row that has none of the peer's inputs."""
    row: dict[str, Any] = dict.fromkeys(AGENT_HOUR_COLUMNS)
    row.update(dict.fromkeys(("n_responses", *ZERO_COUNTS), 0))
    if key[2] == "":
        row.update(dict.fromkeys(AGENT_LEVEL_COUNTS, 0))
    return row


def keyed(rows: list[dict[str, Any]], *names: str) -> dict[tuple[Any, ...], dict[str, Any]]:
    return {tuple(r[n] for n in names): r for r in rows}


def hour_keyed(rows: list[dict[str, Any]]) -> dict[tuple[Any, ...], dict[str, Any]]:
    """Peer agent-hour rows keyed like ours: (hour, agent_id, agent_version)."""
    return {(from_epoch(r["hour_epoch"]), r["agent_id"], r["agent_version"]): r for r in rows}


def output_keyed(name: str, rows: list[dict[str, Any]]) -> dict[tuple[Any, ...], dict[str, Any]]:
    """The peer's rows of output `name` by the key its rows are compared on."""
    if name == "session_profiles":
        return keyed(rows, "session_id")
    if name == "review_sample":
        return keyed(rows, "event_id")
    return hour_keyed(rows)


SESSION_COLUMNS = ("first_ts", "last_ts", "n_events", "n_responses", "max_turn", "agent_ids",
                   "n_late_responses", "early_refs", "recent_refs", "coherence_ratio", "reasked_fields",
                   "n_reasked_fields", "n_reask_requests", "contradicted_facts", "n_contradicted_facts",
                   "flagged", "flag_reasons")
SAMPLE_COLUMNS = ("u", "rule_probability", "inclusion_probability")
M2_COLUMNS = ("n_late_responses", "m2_early_refs", "m2_recent_refs", "n_late_sessions")
# The columns compared per output.
COLUMNS = {"agent_hour": AGENT_HOUR_COLUMNS, "m2": M2_COLUMNS, "session_profiles": SESSION_COLUMNS,
           "review_sample": SAMPLE_COLUMNS}
