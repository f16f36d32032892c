-- M7 and P3 per hour × agent × agent_version, over the sessions in which that agent version
-- gave a primary response in the hour. A session's escalations, user turns and active
-- minutes (last − first event inside the hour, at least 1) count for every agent version
-- that responded in it in that hour. Shadow responses are not session activity.
WITH responded AS (
    SELECT DISTINCT {hour_e} AS hour_epoch,
           e.agent_id AS agent_id,
           COALESCE(e.agent_version, '') AS agent_version,
           e.session_id AS session_id
    FROM raw_events e
    WHERE e.event_type = 'agent_response'
      AND COALESCE(e.deployment, 'primary') <> 'shadow'
      AND e.session_id IS NOT NULL
      AND e.ts >= :start AND e.ts < :end
),
activity AS (
    SELECT {hour_e} AS hour_epoch,
           e.session_id AS session_id,
           SUM(CASE WHEN e.event_type = 'user_message' THEN 1 ELSE 0 END) AS user_turns,
           MAX(e.ts_epoch) - MIN(e.ts_epoch) AS span_s,
           MAX(CASE WHEN e.event_type = 'escalation' AND e.kind = 'handoff_request'
                    THEN 1 ELSE 0 END) AS handoff,
           MAX(CASE WHEN e.event_type = 'escalation' AND e.kind = 'abandon'
                    THEN 1 ELSE 0 END) AS abandon
    FROM raw_events e
    WHERE e.session_id IS NOT NULL
      AND e.event_type IN ('agent_response', 'user_message', 'escalation')
      AND COALESCE(e.deployment, 'primary') <> 'shadow'
      AND e.ts >= :start AND e.ts < :end
    GROUP BY 1, 2
)
SELECT r.hour_epoch AS hour_epoch,
       r.agent_id AS agent_id,
       r.agent_version AS agent_version,
       COUNT(*) AS n_sessions,
       SUM(a.handoff) AS n_handoff_sessions,
       SUM(a.abandon) AS n_abandon_sessions,
       SUM(a.user_turns) AS user_turns,
       SUM(CASE WHEN a.span_s > 60 THEN a.span_s / 60.0 ELSE 1.0 END) AS active_session_minutes
FROM responded r
JOIN activity a ON a.hour_epoch = r.hour_epoch AND a.session_id = r.session_id
GROUP BY r.hour_epoch, r.agent_id, r.agent_version
