-- M3 repeated inputs: primary responses of one agent in one hour with the same input_hash,
-- decision name and path form a group (groups of one are not groups). n_agreeing is the
-- count of the group's most common value. Summed per hour × agent × decision name × path.
WITH by_value AS (
    SELECT {hour_e} AS hour_epoch,
           e.agent_id AS agent_id,
           e.input_hash AS input_hash,
           e.decision_name AS decision_name,
           COALESCE(e.decision_path, '') AS decision_path,
           e.decision_value AS decision_value,
           COUNT(*) AS n
    FROM raw_events e
    WHERE e.event_type = 'agent_response'
      AND COALESCE(e.deployment, 'primary') <> 'shadow'
      AND e.input_hash IS NOT NULL
      AND e.decision_name IS NOT NULL
      AND e.ts >= :start AND e.ts < :end
    GROUP BY 1, 2, 3, 4, 5, 6
),
repeated AS (
    SELECT hour_epoch, agent_id, input_hash, decision_name, decision_path,
           SUM(n) AS n_responses, MAX(n) AS n_agreeing
    FROM by_value
    GROUP BY hour_epoch, agent_id, input_hash, decision_name, decision_path
    HAVING SUM(n) >= 2
)
SELECT hour_epoch, agent_id, decision_name, decision_path,
       COUNT(*) AS n_repeated_groups,
       SUM(n_responses) AS n_repeated_responses,
       SUM(n_agreeing) AS n_repeated_agreeing
FROM repeated
GROUP BY hour_epoch, agent_id, decision_name, decision_path
