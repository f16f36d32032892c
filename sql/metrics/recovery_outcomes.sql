-- The M6 outcomes of every agent in the window (the caller passes the 24-hour look-back
-- as its start), reduced to the ones the incident replay can react to, in replay order.
--
-- Outcomes: primary responses ('ok' or no status = success, 'error' = failure) and workflow
-- steps ('succeeded' = success, 'failed'/'timed_out' = failure). The replay only changes
-- state at a failure and at the first three successes after one (the third confirms a
-- recovery); later successes of the same run change nothing. A replay may also start at any
-- hour boundary (each hour replays from 24 hours before it) with an unknown state, where
-- the first three successes establish that the agent is healthy. So within each agent-hour
-- the rows kept are: every failure, the first three successes of each kind (response, step)
-- after each failure, and the first three successes of each kind of the hour. An incident
-- opened by a failed step recovers only through succeeded steps (a reply after a failed tool
-- call is no recovery), so each kind keeps its own first three.
WITH outcomes AS (
    SELECT e.agent_id AS agent_id,
           e.ts_epoch AS ts_epoch,
           e.event_id AS event_id,
           e.event_type AS kind,
           CASE WHEN e.event_type = 'agent_response' AND COALESCE(NULLIF(e.status, ''), 'ok') = 'ok' THEN 1
                WHEN e.event_type = 'workflow_step' AND e.status = 'succeeded' THEN 1
                ELSE 0 END AS success
    FROM raw_events e
    WHERE e.agent_id IS NOT NULL
      AND e.ts >= :start AND e.ts < :end
      AND ((e.event_type = 'agent_response'
            AND COALESCE(e.deployment, 'primary') <> 'shadow'
            AND COALESCE(NULLIF(e.status, ''), 'ok') IN ('ok', 'error'))
           OR (e.event_type = 'workflow_step' AND e.status IN ('succeeded', 'failed', 'timed_out')))
),
-- One ordered pass per agent-hour counts the failures so far and the outcomes of each kind so
-- far; a second pass over the same order finds, at each row, those counts at the last failure
-- (running maxima: the counts only grow). A success's position among its segment's rows of its
-- kind (the segment: from the last failure, or the hour's start) is the difference, the value
-- ROW_NUMBER() OVER (PARTITION BY agent, hour, failures so far, kind) gives, without sorting by
-- kind. Identifiers sort byte-wise ({collate}), the order the replay uses (lib/metrics/recovery.py).
counted AS (
    SELECT o.agent_id, o.ts_epoch, o.event_id, o.kind, o.success,
           {hour_o} AS hour_epoch,
           SUM(1 - o.success) OVER w AS failures_so_far,
           SUM(CASE WHEN o.kind = 'agent_response' THEN 1 ELSE 0 END) OVER w AS n_response,
           SUM(CASE WHEN o.kind = 'agent_response' THEN 0 ELSE 1 END) OVER w AS n_step
    FROM outcomes o
    WINDOW w AS (PARTITION BY o.agent_id{collate}, {hour_o}
                 ORDER BY o.ts_epoch, o.event_id{collate} ROWS UNBOUNDED PRECEDING)
),
ranked AS (
    SELECT c.agent_id, c.ts_epoch, c.event_id, c.kind, c.success, c.failures_so_far,
           CASE WHEN c.kind = 'agent_response'
                THEN c.n_response - COALESCE(MAX(CASE WHEN c.success = 0 AND c.kind = 'agent_response'
                                                      THEN c.n_response - 1
                                                      WHEN c.success = 0 THEN c.n_response END) OVER w, 0)
                ELSE c.n_step - COALESCE(MAX(CASE WHEN c.success = 0 AND c.kind = 'agent_response'
                                                 THEN c.n_step
                                                 WHEN c.success = 0 THEN c.n_step - 1 END) OVER w, 0)
           END AS position
    FROM counted c
    WINDOW w AS (PARTITION BY c.agent_id{collate}, c.hour_epoch
                 ORDER BY c.ts_epoch, c.event_id{collate} ROWS UNBOUNDED PRECEDING)
)
SELECT agent_id, ts_epoch, event_id, kind, success
FROM ranked
WHERE success = 0
   OR position <= CASE WHEN failures_so_far > 0 THEN 4 ELSE 3 END
ORDER BY agent_id, ts_epoch, event_id{collate}
