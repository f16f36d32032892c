-- M7 per hour × agent, on the agent-level row (agent_version ''). SPEC §8: a session belongs
-- to the hour of the agent's first primary response in it, for each agent that responded
-- in it (however many versions of the agent answered, the session counts once); its
-- escalations count in that hour whenever they happen, up to the build's as-of time. A later
-- escalation rebuilds that hour: ingestion marks the hour as changed.
WITH window_pairs AS (
    SELECT e.agent_id AS agent_id, e.session_id AS session_id, MIN(e.ts_epoch) AS ts_epoch
    FROM raw_events e
    WHERE e.event_type = 'agent_response'
      AND COALESCE(e.deployment, 'primary') <> 'shadow'
      AND e.session_id IS NOT NULL
      AND e.ts >= :start AND e.ts < :end AND e.ts < :as_of
    GROUP BY e.agent_id, e.session_id
),
-- The pairs whose first response is in the window: no primary response of the agent in the
-- session before it (looked up by session, so the read stays bounded by the window's
-- sessions whatever the history: on SQLite the agent column is kept off its index, or the
-- lookup reads the agent's whole history before the window; on PostgreSQL OFFSET 0 keeps it
-- a lookup: with a week of history the planner hash-anti-joined every response before the
-- window instead). Their first response is then the window's first one.
owned AS (
    SELECT p.agent_id, p.session_id, p.ts_epoch
    FROM window_pairs p
    WHERE NOT EXISTS (
        SELECT 1 FROM raw_events e
        WHERE e.session_id = p.session_id
          AND {unindexed:e.agent_id} = p.agent_id
          AND e.event_type = 'agent_response'
          AND COALESCE(e.deployment, 'primary') <> 'shadow'
          AND e.ts < :start
        {per_row}
    )
),
-- Each owned session's escalations up to the build's as-of time, looked up by session once:
-- 2 if one asked for a handoff, plus 1 if one was an abandon (NULL: no escalation);
-- materialized, or the lookup would run once for each use of its value.
flagged AS MATERIALIZED (
    SELECT o.agent_id, o.ts_epoch,
           (SELECT MAX(CASE WHEN x.kind = 'handoff_request' THEN 2 ELSE 0 END)
                   + MAX(CASE WHEN x.kind = 'abandon' THEN 1 ELSE 0 END)
            FROM raw_events x
            WHERE x.session_id = o.session_id AND x.event_type = 'escalation' AND x.ts < :as_of) AS escalated
    FROM owned o
)
SELECT {hour_o} AS hour_epoch,
       o.agent_id AS agent_id,
       '' AS agent_version,
       COUNT(*) AS n_sessions,
       SUM(CASE WHEN o.escalated >= 2 THEN 1 ELSE 0 END) AS n_handoff_sessions,
       SUM(CASE WHEN o.escalated IN (1, 3) THEN 1 ELSE 0 END) AS n_abandon_sessions
FROM flagged o
GROUP BY 1, 2
