-- Sessions whose last event (user message, primary response or escalation) falls in the
-- window and that have at least one primary response: the session_coherence rows the
-- window owns. Candidates are the sessions with an event in the window; their bounds come
-- from all their events (index on session_id), so a session that continues later is owned
-- by the later hour.
SELECT e.session_id AS session_id,
       MAX(e.ts_epoch) AS last_epoch
FROM raw_events e
WHERE e.session_id IN (
        SELECT w.session_id FROM raw_events w
        WHERE w.session_id IS NOT NULL AND w.ts >= :start AND w.ts < :end
      )
  AND e.event_type IN ('agent_response', 'user_message', 'escalation')
  AND COALESCE(e.deployment, 'primary') <> 'shadow'
GROUP BY e.session_id
HAVING MAX(e.ts) >= :start AND MAX(e.ts) < :end
   AND SUM(CASE WHEN e.event_type = 'agent_response' THEN 1 ELSE 0 END) > 0
