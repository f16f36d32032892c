-- Latency percentiles of the window's primary responses per hour × agent × agent_version.
-- SQLite has no percentile_cont: rank the values with window functions and interpolate
-- linearly between ranks floor(p·(n−1)) and floor(p·(n−1)) + 1, which is percentile_cont's
-- definition. Positions are ≥ 0, so CAST(… AS INTEGER) is floor.
WITH ranked AS (
    SELECT {hour_e} AS hour_epoch,
           e.agent_id AS agent_id,
           COALESCE(e.agent_version, '') AS agent_version,
           e.latency_ms AS v,
           ROW_NUMBER() OVER (
               PARTITION BY {hour_e}, e.agent_id, COALESCE(e.agent_version, '')
               ORDER BY e.latency_ms
           ) - 1 AS i,
           COUNT(*) OVER (
               PARTITION BY {hour_e}, e.agent_id, COALESCE(e.agent_version, '')
           ) AS n
    FROM raw_events e
    WHERE e.event_type = 'agent_response'
      AND COALESCE(e.deployment, 'primary') <> 'shadow'
      AND e.latency_ms IS NOT NULL
      AND e.ts >= :start AND e.ts < :end
),
positioned AS (
    SELECT hour_epoch, agent_id, agent_version, v, i,
           0.5 * (n - 1) AS pos50, CAST(0.5 * (n - 1) AS INTEGER) AS lo50,
           0.95 * (n - 1) AS pos95, CAST(0.95 * (n - 1) AS INTEGER) AS lo95
    FROM ranked
)
SELECT hour_epoch, agent_id, agent_version,
       SUM(CASE WHEN i = lo50 THEN v * (1 - (pos50 - lo50))
                WHEN i = lo50 + 1 THEN v * (pos50 - lo50) ELSE 0 END) AS latency_p50_ms,
       SUM(CASE WHEN i = lo95 THEN v * (1 - (pos95 - lo95))
                WHEN i = lo95 + 1 THEN v * (pos95 - lo95) ELSE 0 END) AS latency_p95_ms
FROM positioned
GROUP BY 1, 2, 3
