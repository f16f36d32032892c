-- P3's inputs per hour × agent, on the agent-level row (agent_version ''): the user turns and
-- active minutes of the sessions in which the agent gave a primary response in the hour,
-- each session once however many versions of the agent answered in it (SPEC §8). A session's
-- active minutes in the hour: last − first of its events inside the hour (and before the
-- build's as-of time), at least 1. Shadow responses are not session activity.
-- One read of the hour: its session events grouped per session and agent (user messages and
-- escalations may name no agent), then each group sees its whole session's figures.
WITH per_agent AS (
    SELECT {hour_e} AS hour_epoch,
           e.session_id AS session_id,
           e.agent_id AS agent_id,
           MAX(CASE WHEN e.event_type = 'agent_response' THEN 1 ELSE 0 END) AS responded,
           SUM(CASE WHEN e.event_type = 'user_message' THEN 1 ELSE 0 END) AS user_turns,
           MIN(e.ts_epoch) AS first_epoch,
           MAX(e.ts_epoch) AS last_epoch
    FROM raw_events e
    WHERE e.session_id IS NOT NULL
      AND e.event_type IN ('agent_response', 'user_message', 'escalation')
      AND COALESCE(e.deployment, 'primary') <> 'shadow'
      AND e.ts >= :start AND e.ts < :end AND e.ts < :as_of
    GROUP BY 1, 2, 3
),
per_session AS (
    SELECT p.hour_epoch, p.agent_id, p.responded,
           SUM(p.user_turns) OVER whole_session AS user_turns,
           MAX(p.last_epoch) OVER whole_session - MIN(p.first_epoch) OVER whole_session AS span_s
    FROM per_agent p
    WINDOW whole_session AS (PARTITION BY p.hour_epoch, p.session_id)
)
SELECT s.hour_epoch AS hour_epoch,
       s.agent_id AS agent_id,
       '' AS agent_version,
       SUM(s.user_turns) AS user_turns,
       SUM(CASE WHEN s.span_s > 60 THEN s.span_s / 60.0 ELSE 1.0 END) AS active_session_minutes
FROM per_session s
WHERE s.responded = 1
GROUP BY s.hour_epoch, s.agent_id
