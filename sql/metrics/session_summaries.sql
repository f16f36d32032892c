-- One row per session that the window owns (its last primary user message, response or
-- escalation is in the window, and it has a primary response since `since`), summarised over
-- the session's events since 24 hours before the start of its last event's hour: the
-- session_coherence columns that need no profiler, and the marks that say which parts of
-- the profiler (sql/metrics/session_profiles.sql) can find anything in it.
--
-- needs_profile marks the sessions whose profiler findings can be non-empty, a superset test:
-- a primary response at turn >= 50 (late responses, M2: n_late_responses); a response
-- requesting a field at or after the first turn at which the user provided a field (a re-ask
-- needs the field provided before the request, in turn order, user message first within a
-- turn: reask_mark); a response referencing a name=value fact at or after the first turn at
-- which the user provided one (a contradicted fact; LIKE over the JSON text is a superset
-- test: fact_mark); a response with `flags` naming tool_loop or repeated_question, or with
-- adapter marks (`profile_flags`, kept in attributes: flag_mark). Every other session has no
-- late response, no re-asked field, no contradiction and no loop or repeated question.
--
-- The window's events are read by time (one range of the (ts, event_type) index) and grouped
-- per session × agent_id: `window_parts`. The events of the window's sessions before it, back
-- to `since` (the window's start − 24 h, the earliest event any owned session's summary
-- reads: its last hour is at or after the start), are looked up per session in the
-- (session_id, ts) index: `earlier_parts`, grouped per session × agent_id × part, the events
-- at or after `recent` (the end of the window − 25 h, after every owned session's 24-hour
-- cut-off) one part (NULL) with the window's, each earlier hour its own. A session's summary
-- adds up its parts from 24 hours before its last hour (an hour's part is in or out as a
-- whole, the cut-off being an hour's start). For a window of one hour `recent` is `since`:
-- each session has one part per agent in the window and at most one before it. Whether a
-- session has an event after the window (it is then a later window's) is a lookup per session
-- too (`owned`). So the query reads the window's events and, per session of the window, its
-- earlier events and one index entry after the window: nothing that grows with the history
-- before or after the window, or with the other sessions of its look-back. (Read by time,
-- the 25 hours of an hour's look-back are 25 times the hour's events; read by a join that
-- PostgreSQL plans from its statistics, which put hundreds of events in a session where
-- there are tens, it took the whole session index or the whole table after the window.) The
-- lookups are forced: LATERAL with `{per_row}` on PostgreSQL, CROSS JOIN (the left table
-- outermost) on SQLite.
WITH window_parts AS (
    SELECT e.session_id AS session_id,
           CAST(NULL AS DOUBLE PRECISION) AS hour_epoch,
           e.agent_id AS agent_id,
           -- The session's bounds read primary events only (an escalation has no deployment).
           MAX(CASE WHEN COALESCE(e.deployment, 'primary') <> 'shadow' THEN e.ts END) AS bound_ts,
           MAX(CASE WHEN COALESCE(e.deployment, 'primary') <> 'shadow' THEN e.ts_epoch END) AS ts_epoch,
           MIN(e.ts) AS first_ts,
           MAX(e.ts) AS last_ts,
           COUNT(*) AS n_events,
           SUM(CASE WHEN e.event_type = 'agent_response' THEN 1 ELSE 0 END) AS n_any_responses,
           SUM(CASE WHEN e.event_type = 'agent_response' AND e.turn IS NOT NULL THEN 1 ELSE 0 END) AS n_responses,
           SUM(CASE WHEN e.event_type = 'agent_response' AND e.turn >= 50 THEN 1 ELSE 0 END) AS n_late_responses,
           MAX(CASE WHEN e.event_type <> 'escalation' THEN e.turn END) AS max_turn,
           -- A list column holds a JSON array of strings or JSON null (ingest validates them).
           MAX(CASE WHEN e.event_type = 'agent_response'
                     AND e.fields_requested NOT IN ('null', '[]') THEN e.turn END) AS request_turn,
           MIN(CASE WHEN e.event_type = 'user_message'
                     AND e.fields_provided NOT IN ('null', '[]') THEN e.turn END) AS provided_turn,
           MAX(CASE WHEN e.event_type = 'agent_response' AND e.facts_referenced NOT IN ('null', '[]')
                     AND CAST(e.facts_referenced AS TEXT) LIKE '%=%' THEN e.turn END) AS named_reference_turn,
           MIN(CASE WHEN e.event_type = 'user_message' AND e.facts_provided NOT IN ('null', '[]')
                     AND CAST(e.facts_provided AS TEXT) LIKE '%=%' THEN e.turn END) AS named_fact_turn,
           MAX(CASE WHEN e.event_type = 'agent_response'
                     AND ({json_field:e.attributes profile_flags} IS NOT NULL
                          OR e.flags NOT IN ('null', '[]')
                             AND (CAST(e.flags AS TEXT) LIKE '%tool_loop%'
                                  OR CAST(e.flags AS TEXT) LIKE '%repeated_question%'))
                    THEN 1 ELSE 0 END) AS flag_mark
    FROM raw_events e
    WHERE e.session_id IS NOT NULL
      AND e.event_type IN ('agent_response', 'user_message', 'escalation')
      AND (e.event_type = 'escalation' OR COALESCE(e.deployment, 'primary') <> 'shadow')
      AND e.ts >= :start AND e.ts < :end
    -- Columns, not expressions: the planner knows how many groups to expect.
    GROUP BY e.session_id, e.agent_id
),
window_sessions AS (
    SELECT DISTINCT p.session_id AS session_id FROM window_parts p
),
earlier_parts AS (
    SELECT e.session_id,
           CASE WHEN e.ts >= :recent THEN NULL ELSE {hour_e} END AS hour_epoch,
           e.agent_id,
           -- The same aggregates as above.
           MAX(CASE WHEN COALESCE(e.deployment, 'primary') <> 'shadow' THEN e.ts END) AS bound_ts,
           MAX(CASE WHEN COALESCE(e.deployment, 'primary') <> 'shadow' THEN e.ts_epoch END) AS ts_epoch,
           MIN(e.ts) AS first_ts,
           MAX(e.ts) AS last_ts,
           COUNT(*) AS n_events,
           SUM(CASE WHEN e.event_type = 'agent_response' THEN 1 ELSE 0 END) AS n_any_responses,
           SUM(CASE WHEN e.event_type = 'agent_response' AND e.turn IS NOT NULL THEN 1 ELSE 0 END) AS n_responses,
           SUM(CASE WHEN e.event_type = 'agent_response' AND e.turn >= 50 THEN 1 ELSE 0 END) AS n_late_responses,
           MAX(CASE WHEN e.event_type <> 'escalation' THEN e.turn END) AS max_turn,
           MAX(CASE WHEN e.event_type = 'agent_response'
                     AND e.fields_requested NOT IN ('null', '[]') THEN e.turn END) AS request_turn,
           MIN(CASE WHEN e.event_type = 'user_message'
                     AND e.fields_provided NOT IN ('null', '[]') THEN e.turn END) AS provided_turn,
           MAX(CASE WHEN e.event_type = 'agent_response' AND e.facts_referenced NOT IN ('null', '[]')
                     AND CAST(e.facts_referenced AS TEXT) LIKE '%=%' THEN e.turn END) AS named_reference_turn,
           MIN(CASE WHEN e.event_type = 'user_message' AND e.facts_provided NOT IN ('null', '[]')
                     AND CAST(e.facts_provided AS TEXT) LIKE '%=%' THEN e.turn END) AS named_fact_turn,
           MAX(CASE WHEN e.event_type = 'agent_response'
                     AND ({json_field:e.attributes profile_flags} IS NOT NULL
                          OR e.flags NOT IN ('null', '[]')
                             AND (CAST(e.flags AS TEXT) LIKE '%tool_loop%'
                                  OR CAST(e.flags AS TEXT) LIKE '%repeated_question%'))
                    THEN 1 ELSE 0 END) AS flag_mark
    FROM window_sessions w
    CROSS JOIN {lateral}(
        SELECT e.session_id, e.agent_id, e.ts, e.ts_epoch, e.event_type, e.deployment, e.turn,
               e.fields_requested, e.fields_provided, e.facts_referenced, e.facts_provided,
               e.flags, e.attributes
        FROM raw_events e
        WHERE {lateral_key:e.session_id w.session_id}
          AND e.event_type IN ('agent_response', 'user_message', 'escalation')
          AND (e.event_type = 'escalation' OR COALESCE(e.deployment, 'primary') <> 'shadow')
          AND e.ts >= :since AND e.ts < :start
        {per_row}
    ) e
    WHERE {joined_key:e.session_id w.session_id}
    GROUP BY e.session_id, e.agent_id, CASE WHEN e.ts >= :recent THEN NULL ELSE {hour_e} END
),
parts AS (
    SELECT * FROM window_parts
    UNION ALL
    SELECT * FROM earlier_parts
),
bounds AS (
    SELECT p.session_id AS session_id,
           MAX(p.ts_epoch) AS ts_epoch
    FROM parts p
    GROUP BY p.session_id
    HAVING MAX(p.bound_ts) >= :start
       AND SUM(p.n_any_responses) > 0
),
-- The sessions whose last event is in the window: no event of the parts' kinds after it,
-- looked up by session (`{per_row}` keeps it a lookup: as a join, PostgreSQL may read every
-- event after the window, all the history after it when a past hour is rebuilt).
owned AS (
    SELECT b.session_id AS session_id,
           b.ts_epoch AS ts_epoch
    FROM bounds b
    WHERE NOT EXISTS (
        SELECT 1 FROM raw_events a
        WHERE a.session_id = b.session_id
          AND a.ts >= :end
          AND a.event_type IN ('agent_response', 'user_message', 'escalation')
          AND (a.event_type = 'escalation' OR COALESCE(a.deployment, 'primary') <> 'shadow')
        {per_row}
    )
),
summaries AS (
    SELECT b.session_id AS session_id,
           b.ts_epoch AS last_epoch,
           {hour_b} AS hour_epoch,
           MIN(p.first_ts) AS first_ts,
           MAX(p.last_ts) AS last_ts,
           SUM(p.n_events) AS n_events,
           SUM(p.n_responses) AS n_responses,
           SUM(p.n_late_responses) AS n_late_responses,
           MAX(p.max_turn) AS max_turn,
           -- An agent of a part (its events' agent_id) is in the list when it responded.
           {json_array_agg}(DISTINCT p.agent_id) FILTER (WHERE p.n_any_responses > 0) AS agent_ids,
           CASE WHEN MAX(p.request_turn) >= MIN(p.provided_turn) THEN 1 ELSE 0 END AS reask_mark,
           CASE WHEN MAX(p.named_reference_turn) >= MIN(p.named_fact_turn) THEN 1 ELSE 0 END AS fact_mark,
           MAX(p.flag_mark) AS flag_mark
    FROM owned b
    JOIN parts p ON p.session_id = b.session_id
    WHERE p.hour_epoch IS NULL OR p.hour_epoch >= {hour_b} - 86400
    GROUP BY b.session_id, b.ts_epoch
)
SELECT s.*,
       CASE WHEN s.n_late_responses > 0 OR s.reask_mark = 1 OR s.fact_mark = 1 OR s.flag_mark = 1
            THEN 1 ELSE 0 END AS needs_profile
FROM summaries s
