-- M3 shadow pairs of the window's primary responses, attributed to the primary's hour,
-- agent, version, decision name and path ('' when none). The shadow may have arrived at any
-- time (its arrival marks the primary's hour as changed). Equal canonical JSON text = agree;
-- two missing values agree.
SELECT {hour_p} AS hour_epoch,
       p.agent_id AS agent_id,
       COALESCE(p.agent_version, '') AS agent_version,
       p.decision_name AS decision_name,
       COALESCE(p.decision_path, '') AS decision_path,
       COUNT(*) AS n_shadow_pairs,
       SUM(CASE WHEN p.decision_value = s.decision_value
                  OR (p.decision_value IS NULL AND s.decision_value IS NULL)
                THEN 0 ELSE 1 END) AS n_shadow_disagreements
FROM raw_events p
JOIN raw_events s ON s.shadow_of = p.event_id
WHERE p.event_type = 'agent_response'
  AND COALESCE(p.deployment, 'primary') <> 'shadow'
  AND p.decision_name IS NOT NULL
  AND p.ts >= :start AND p.ts < :end
  AND s.event_type = 'agent_response'
  AND s.deployment = 'shadow'
  AND s.decision_name = p.decision_name
GROUP BY 1, 2, 3, 4, 5
