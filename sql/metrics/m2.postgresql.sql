-- M2 per hour × agent × agent_version: late responses (primary, turn >= 50) of the window,
-- their early and recent references, and the sessions they are in. Each hour sees a session
-- through its events in [hour − 24 h, hour end), as the profiler does (lib/metrics/
-- coherence.py): a fact's introduction turn is the first turn at which it appears in the
-- session's primary user messages (facts_provided) or responses (facts_referenced); a late
-- response's distinct referenced facts count as early when introduced at turns 1–20 and as
-- recent when introduced in [turn − 20, turn]. The bound `since` is the window's start − 24 h.
WITH late AS (
    SELECT {hour_e} AS hour_epoch, e.session_id, e.event_id, e.turn, e.agent_id,
           COALESCE(e.agent_version, '') AS agent_version, e.facts_referenced
    FROM raw_events e
    WHERE e.event_type = 'agent_response'
      AND COALESCE(e.deployment, 'primary') <> 'shadow'
      AND e.turn >= 50
      AND e.session_id IS NOT NULL
      AND e.ts >= :start AND e.ts < :end
),
sessions AS (SELECT DISTINCT hour_epoch, session_id FROM late),
visible AS (
    SELECT s.hour_epoch, s.session_id, e.turn, e.facts_provided, e.facts_referenced
    FROM sessions s
    JOIN raw_events e ON e.session_id = s.session_id
    WHERE e.event_type IN ('user_message', 'agent_response')
      AND COALESCE(e.deployment, 'primary') <> 'shadow'
      AND e.turn IS NOT NULL
      AND e.ts >= :since AND e.ts < :end
      AND e.ts_epoch >= s.hour_epoch - 86400 AND e.ts_epoch < s.hour_epoch + 3600
),
facts AS (
    SELECT v.hour_epoch, v.session_id, v.turn, f.fact
    FROM visible v
    CROSS JOIN LATERAL jsonb_array_elements_text(
        CASE WHEN jsonb_typeof(v.facts_provided) = 'array' THEN v.facts_provided ELSE '[]'::jsonb END) AS f(fact)
    UNION ALL
    SELECT v.hour_epoch, v.session_id, v.turn, f.fact
    FROM visible v
    CROSS JOIN LATERAL jsonb_array_elements_text(
        CASE WHEN jsonb_typeof(v.facts_referenced) = 'array' THEN v.facts_referenced ELSE '[]'::jsonb END) AS f(fact)
),
intro AS (
    SELECT hour_epoch, session_id, fact, MIN(turn) AS first_turn FROM facts GROUP BY hour_epoch, session_id, fact
),
refs AS (
    SELECT DISTINCT l.hour_epoch, l.session_id, l.event_id, l.turn, f.fact
    FROM late l
    CROSS JOIN LATERAL jsonb_array_elements_text(
        CASE WHEN jsonb_typeof(l.facts_referenced) = 'array' THEN l.facts_referenced ELSE '[]'::jsonb END) AS f(fact)
),
counted AS (
    SELECT r.event_id,
           SUM(CASE WHEN i.first_turn BETWEEN 1 AND 20 THEN 1 ELSE 0 END) AS early,
           SUM(CASE WHEN i.first_turn BETWEEN r.turn - 20 AND r.turn THEN 1 ELSE 0 END) AS recent
    FROM refs r
    JOIN intro i ON i.hour_epoch = r.hour_epoch AND i.session_id = r.session_id AND i.fact = r.fact
    GROUP BY r.event_id
)
SELECT l.hour_epoch, l.agent_id, l.agent_version,
       COUNT(*) AS n_late_responses,
       COALESCE(SUM(c.early), 0) AS m2_early_refs,
       COALESCE(SUM(c.recent), 0) AS m2_recent_refs,
       COUNT(DISTINCT l.session_id) AS n_late_sessions
FROM late l
LEFT JOIN counted c ON c.event_id = l.event_id
GROUP BY l.hour_epoch, l.agent_id, l.agent_version
