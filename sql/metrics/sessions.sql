-- M7 per hour × agent, on the agent-level row (agent_version ''). SPEC §8: a session belongs
-- to the hour of the agent's first primary response in it, for each agent that responded
-- in it (however many versions of the agent answered, the session counts once); its
-- escalations count in that hour whenever they happen, up to the build's as-of time. A later
-- escalation rebuilds that hour: ingestion marks the hour as changed.
WITH window_pairs AS (
    SELECT DISTINCT e.agent_id AS agent_id, e.session_id AS session_id
    FROM raw_events e
    WHERE e.event_type = 'agent_response'
      AND COALESCE(e.deployment, 'primary') <> 'shadow'
      AND e.session_id IS NOT NULL
      AND e.ts >= :start AND e.ts < :end AND e.ts < :as_of
),
firsts AS (
    SELECT p.agent_id AS agent_id, p.session_id AS session_id,
           MIN(e.ts) AS first_ts, MIN(e.ts_epoch) AS ts_epoch
    FROM window_pairs p
    JOIN raw_events e ON e.session_id = p.session_id AND e.agent_id = p.agent_id
    WHERE e.event_type = 'agent_response'
      AND COALESCE(e.deployment, 'primary') <> 'shadow'
    GROUP BY p.agent_id, p.session_id
),
owned AS (
    SELECT f.agent_id, f.session_id, f.ts_epoch FROM firsts f WHERE f.first_ts >= :start
),
escalated AS (
    SELECT e.session_id AS session_id,
           MAX(CASE WHEN e.kind = 'handoff_request' THEN 1 ELSE 0 END) AS handoff,
           MAX(CASE WHEN e.kind = 'abandon' THEN 1 ELSE 0 END) AS abandon
    FROM raw_events e
    WHERE e.event_type = 'escalation'
      AND e.session_id IN (SELECT session_id FROM owned)
      AND e.ts < :as_of
    GROUP BY e.session_id
)
SELECT {hour_o} AS hour_epoch,
       o.agent_id AS agent_id,
       '' AS agent_version,
       COUNT(*) AS n_sessions,
       COALESCE(SUM(x.handoff), 0) AS n_handoff_sessions,
       COALESCE(SUM(x.abandon), 0) AS n_abandon_sessions
FROM owned o
LEFT JOIN escalated x ON x.session_id = o.session_id
GROUP BY 1, 2
