-- Primary agent responses of the window, per hour × agent × agent_version: counts and sums.
-- {hour_e} is the dialect's hour bucket of e.ts_epoch (epoch seconds of the hour's start).
-- The latency_percentiles fragment: on PostgreSQL the latency percentiles of latency.postgresql.sql in
-- the same scan (percentile_cont skips NULL latencies, as that query's filter does); empty
-- on SQLite, which runs latency.sqlite.sql.
SELECT {hour_e} AS hour_epoch,
       e.agent_id AS agent_id,
       COALESCE(e.agent_version, '') AS agent_version,
       COUNT(*) AS n_responses,
       SUM(CASE WHEN e.status = 'error' THEN 1 ELSE 0 END) AS n_error_responses,
       SUM(CASE WHEN e.has_hallucination_flag THEN 1 ELSE 0 END) AS n_hallucination_flagged,
       -- M4's denominator: the group's responses when a validator looked at this agent's
       -- responses in the hour (at least one carries `flags`, even []; a validator that only
       -- writes findings leaves the clean ones without), else 0: nothing could feed M4.
       CASE WHEN SUM(CASE WHEN e.flags IS NOT NULL AND CAST(e.flags AS TEXT) <> 'null'
                          THEN 1 ELSE 0 END) > 0
            THEN COUNT(*) ELSE 0 END AS n_flag_checked,
       SUM(e.input_tokens) AS input_tokens_sum,
       SUM(e.output_tokens) AS output_tokens_sum,
       COUNT(e.output_tokens) AS n_output_tokens,
       COUNT(e.confidence) AS n_confidence,
       SUM(e.confidence) AS confidence_sum,
       COUNT(e.output_entropy) AS n_entropy,
       SUM(e.output_entropy) AS entropy_sum,
       COUNT(e.hedging_rate) AS n_hedging,
       SUM(e.hedging_rate) AS hedging_sum,
       COUNT(e.repeated_trigram_rate) AS n_trigram,
       SUM(e.repeated_trigram_rate) AS trigram_sum,
       COUNT(e.latency_ms) AS n_latency{latency_percentiles}
FROM raw_events e
WHERE e.event_type = 'agent_response'
  AND COALESCE(e.deployment, 'primary') <> 'shadow'
  AND e.ts >= :start AND e.ts < :end
GROUP BY 1, 2, 3
