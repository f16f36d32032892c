-- M2 per hour × agent × agent_version: late responses (primary, turn >= 50) of the window,
-- their early and recent references, and the sessions they are in. Each hour sees a session
-- through its events in [hour − 24 h, hour end), as the profiler does (lib/metrics/
-- coherence.py): a fact's introduction turn is the first turn at which it appears in the
-- session's primary user messages (facts_provided) or responses (facts_referenced); a late
-- response's distinct referenced facts count as early when introduced at turns 1–20 and as
-- recent when introduced in [turn − 20, turn]. The bound `since` is the window's start − 24 h.
--
-- The sessions' events are read once: each event's two fact lists are expanded side by side
-- (side 1 facts_provided, side 2 facts_referenced; empty lists are not expanded), and each
-- fact's introduction turn is a window over the hour's session and the fact. The late
-- responses' references are the facts of side 2 of the late responses themselves.
WITH late AS (
    SELECT {hour_e} AS hour_epoch, e.session_id, e.turn, e.agent_id,
           COALESCE(e.agent_version, '') AS agent_version
    FROM raw_events e
    WHERE e.event_type = 'agent_response'
      AND COALESCE(e.deployment, 'primary') <> 'shadow'
      AND e.turn >= 50
      AND e.session_id IS NOT NULL
      AND e.ts >= :start AND e.ts < :end
),
sessions AS (SELECT DISTINCT hour_epoch, session_id FROM late),
facts AS (
    SELECT s.hour_epoch, e.session_id, e.event_id, e.turn, e.agent_id,
           COALESCE(e.agent_version, '') AS agent_version,
           CASE WHEN k.side = 2 AND e.event_type = 'agent_response' AND e.turn >= 50
                 AND e.ts_epoch >= s.hour_epoch THEN 1 ELSE 0 END AS late,
           f.value AS fact,
           MIN(e.turn) OVER (PARTITION BY s.hour_epoch, e.session_id, f.value) AS first_turn
    FROM sessions s
    JOIN raw_events e ON e.session_id = s.session_id
    CROSS JOIN (SELECT 1 AS side UNION ALL SELECT 2 AS side) k
    CROSS JOIN {elements:CASE k.side WHEN 1 THEN e.facts_provided ELSE e.facts_referenced END f}
    WHERE e.event_type IN ('user_message', 'agent_response')
      AND COALESCE(e.deployment, 'primary') <> 'shadow'
      AND e.turn IS NOT NULL
      AND e.ts >= :since AND e.ts < :end
      AND e.ts_epoch >= s.hour_epoch - 86400 AND e.ts_epoch < s.hour_epoch + 3600
      AND (CASE k.side WHEN 1 THEN e.facts_provided ELSE e.facts_referenced END) NOT IN ('null', '[]')
),
refs AS (  -- each late response's distinct facts
    SELECT DISTINCT hour_epoch, event_id, turn, agent_id, agent_version, fact, first_turn
    FROM facts
    WHERE late = 1
)
SELECT hour_epoch, agent_id, agent_version,
       SUM(n_late_responses) AS n_late_responses,
       SUM(m2_early_refs) AS m2_early_refs,
       SUM(m2_recent_refs) AS m2_recent_refs,
       SUM(n_late_sessions) AS n_late_sessions
FROM (
    SELECT hour_epoch, agent_id, agent_version, COUNT(*) AS n_late_responses, 0 AS m2_early_refs,
           0 AS m2_recent_refs, COUNT(DISTINCT session_id) AS n_late_sessions
    FROM late
    GROUP BY hour_epoch, agent_id, agent_version
    UNION ALL
    SELECT hour_epoch, agent_id, agent_version, 0,
           SUM(CASE WHEN first_turn BETWEEN 1 AND 20 THEN 1 ELSE 0 END),
           SUM(CASE WHEN first_turn BETWEEN turn - 20 AND turn THEN 1 ELSE 0 END), 0
    FROM refs
    GROUP BY hour_epoch, agent_id, agent_version
) counts
GROUP BY hour_epoch, agent_id, agent_version
