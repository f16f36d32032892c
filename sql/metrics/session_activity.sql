-- P3's inputs per hour × agent, on the agent-level row (agent_version ''): the user turns and
-- active minutes of the sessions in which the agent gave a primary response in the hour,
-- each session once however many versions of the agent answered in it (SPEC §8). A session's
-- active minutes in the hour: last − first of its events inside the hour (and before the
-- build's as-of time), at least 1. Shadow responses are not session activity.
WITH responded AS (
    SELECT DISTINCT {hour_e} AS hour_epoch,
           e.agent_id AS agent_id,
           e.session_id AS session_id
    FROM raw_events e
    WHERE e.event_type = 'agent_response'
      AND COALESCE(e.deployment, 'primary') <> 'shadow'
      AND e.session_id IS NOT NULL
      AND e.ts >= :start AND e.ts < :end AND e.ts < :as_of
),
activity AS (
    SELECT {hour_e} AS hour_epoch,
           e.session_id AS session_id,
           SUM(CASE WHEN e.event_type = 'user_message' THEN 1 ELSE 0 END) AS user_turns,
           MAX(e.ts_epoch) - MIN(e.ts_epoch) AS span_s
    FROM raw_events e
    WHERE e.session_id IS NOT NULL
      AND e.event_type IN ('agent_response', 'user_message', 'escalation')
      AND COALESCE(e.deployment, 'primary') <> 'shadow'
      AND e.ts >= :start AND e.ts < :end AND e.ts < :as_of
    GROUP BY 1, 2
)
SELECT r.hour_epoch AS hour_epoch,
       r.agent_id AS agent_id,
       '' AS agent_version,
       SUM(a.user_turns) AS user_turns,
       SUM(CASE WHEN a.span_s > 60 THEN a.span_s / 60.0 ELSE 1.0 END) AS active_session_minutes
FROM responded r
JOIN activity a ON a.hour_epoch = r.hour_epoch AND a.session_id = r.session_id
GROUP BY r.hour_epoch, r.agent_id
