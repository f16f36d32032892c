-- Latency percentiles of the window's primary responses per hour × agent × agent_version.
-- PostgreSQL: percentile_cont (linear interpolation between the two nearest ranks).
SELECT {hour_e} AS hour_epoch,
       e.agent_id AS agent_id,
       COALESCE(e.agent_version, '') AS agent_version,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY e.latency_ms) AS latency_p50_ms,
       percentile_cont(0.95) WITHIN GROUP (ORDER BY e.latency_ms) AS latency_p95_ms
FROM raw_events e
WHERE e.event_type = 'agent_response'
  AND COALESCE(e.deployment, 'primary') <> 'shadow'
  AND e.latency_ms IS NOT NULL
  AND e.ts >= :start AND e.ts < :end
GROUP BY 1, 2, 3
