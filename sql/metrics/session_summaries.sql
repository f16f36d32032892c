-- One row per session that the window owns (its last event is in the window: the bounds
-- below are session_bounds.sql), summarised over the session's events since 24 hours before
-- the start of its last event's hour: the session_coherence columns that need no profiler.
--
-- needs_profile marks the sessions whose profiler findings can be non-empty: a primary
-- response at turn >= 50 (late responses, M2); a response requesting a field at or after
-- the first turn at which the user provided a field (a re-ask needs the field provided
-- before the request, in turn order, user message first within a turn); a response
-- referencing a name=value fact at or after the first turn at which the user provided one
-- (a contradicted fact; LIKE over the JSON text is a superset test); a response flagged
-- tool_loop or repeated_question by its adapter (`profile_flags`, kept in attributes). Every
-- other session has no late response, no re-asked field, no contradiction and no loop or
-- repeated question.
--
-- The bound `since` is the window's start − 24 h, the earliest event any owned session's
-- summary reads (its last hour is at or after the start): every read of raw_events is bounded
-- below by it, so the (ts, event_type) index serves the query whatever the history before it.
-- A session counts when it has a primary response since then (one whose only responses are
-- older would have no response and no agent in its summary).
WITH bounds AS (
    SELECT e.session_id AS session_id,
           MAX(e.ts_epoch) AS ts_epoch
    FROM raw_events e
    WHERE e.session_id IN (
            SELECT w.session_id FROM raw_events w
            WHERE w.session_id IS NOT NULL AND w.ts >= :start AND w.ts < :end
          )
      AND e.event_type IN ('agent_response', 'user_message', 'escalation')
      AND COALESCE(e.deployment, 'primary') <> 'shadow'
      AND e.ts >= :since
    GROUP BY e.session_id
    HAVING MAX(e.ts) >= :start AND MAX(e.ts) < :end
       AND SUM(CASE WHEN e.event_type = 'agent_response' THEN 1 ELSE 0 END) > 0
)
SELECT b.session_id AS session_id,
       b.ts_epoch AS last_epoch,
       MIN(e.ts) AS first_ts,
       MAX(e.ts) AS last_ts,
       COUNT(*) AS n_events,
       SUM(CASE WHEN e.event_type = 'agent_response' AND e.turn IS NOT NULL THEN 1 ELSE 0 END) AS n_responses,
       MAX(CASE WHEN e.event_type <> 'escalation' THEN e.turn END) AS max_turn,
       {json_array_agg}(DISTINCT e.agent_id) FILTER (WHERE e.event_type = 'agent_response') AS agent_ids,
       CASE WHEN MAX(CASE WHEN e.event_type = 'agent_response' AND e.turn >= 50 THEN 1 ELSE 0 END) = 1
              OR MAX(CASE WHEN e.event_type = 'agent_response'
                           AND CAST(e.fields_requested AS TEXT) NOT IN ('null', '[]') THEN e.turn END)
                 >= MIN(CASE WHEN e.event_type = 'user_message'
                           AND CAST(e.fields_provided AS TEXT) NOT IN ('null', '[]') THEN e.turn END)
              OR MAX(CASE WHEN e.event_type = 'agent_response'
                           AND CAST(e.facts_referenced AS TEXT) LIKE '%=%' THEN e.turn END)
                 >= MIN(CASE WHEN e.event_type = 'user_message'
                           AND CAST(e.facts_provided AS TEXT) LIKE '%=%' THEN e.turn END)
              OR MAX(CASE WHEN e.event_type = 'agent_response'
                           AND (CAST(e.flags AS TEXT) LIKE '%tool_loop%'
                                OR CAST(e.flags AS TEXT) LIKE '%repeated_question%'
                                OR CAST(e.attributes AS TEXT) LIKE '%tool_loop%'
                                OR CAST(e.attributes AS TEXT) LIKE '%repeated_question%')
                          THEN 1 ELSE 0 END) = 1
            THEN 1 ELSE 0 END AS needs_profile
FROM bounds b
JOIN raw_events e ON e.session_id = b.session_id
WHERE e.event_type IN ('agent_response', 'user_message', 'escalation')
  AND (e.event_type = 'escalation' OR COALESCE(e.deployment, 'primary') <> 'shadow')
  AND e.ts >= :since
  AND e.ts_epoch >= {hour_b} - 86400
GROUP BY b.session_id, b.ts_epoch
