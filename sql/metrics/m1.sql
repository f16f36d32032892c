-- M1 sums per hour × agent × agent_version × confidence bin (lib/metrics/calibration.py): the
-- primary responses of the window with a confidence whose latest review says `correct` or
-- `incorrect`, each weighted by w = 1/π (π from its review_queue row when that holds one in
-- (0, 1], else 1). A response's latest review is the one with the greatest ts, then ingestion
-- order (ledger entry, line), then event_id (SPEC §8); a latest `unverifiable` keeps the
-- response out, whatever came before. Reviews are read by the judged event's time
-- (`target_ts`, carried only by reviews: ix_raw_events_target_ts). The bin of a confidence c
-- is min(floor(10·c), 9), as `bin_index` does.
WITH latest AS (
    SELECT r.target_event_id, r.verdict,
           ROW_NUMBER() OVER (
               PARTITION BY r.target_event_id
               ORDER BY r.ts_epoch DESC, r.ingest_id DESC, COALESCE(r.source_location, 0) DESC,
                        r.event_id{collate} DESC
           ) AS rank_from_latest
    FROM raw_events r
    WHERE r.target_ts >= :start AND r.target_ts < :end
),
reviewed AS (
    SELECT {hour_e} AS hour_epoch, e.agent_id, COALESCE(e.agent_version, '') AS agent_version,
           e.confidence AS c,
           CASE WHEN l.verdict = 'correct' THEN 1.0 ELSE 0.0 END AS y,
           CASE WHEN q.inclusion_probability > 0.0 AND q.inclusion_probability <= 1.0
                THEN 1.0 / q.inclusion_probability ELSE 1.0 END AS w
    FROM latest l
    JOIN raw_events e ON e.event_id = l.target_event_id
    LEFT JOIN review_queue q ON q.event_id = e.event_id
    WHERE l.rank_from_latest = 1
      AND l.verdict IN ('correct', 'incorrect')
      AND e.event_type = 'agent_response'
      AND COALESCE(e.deployment, 'primary') <> 'shadow'
      AND e.confidence IS NOT NULL
      AND e.ts >= :start AND e.ts < :end
)
SELECT hour_epoch, agent_id, agent_version,
       CASE WHEN c * 10 >= 9 THEN 9 ELSE {floor:c * 10} END AS bin,
       COUNT(*) AS n_reviewed,
       SUM(w) AS sum_weights,
       SUM(w * c) AS weighted_confidence_sum,
       SUM(w * y) AS weighted_correct_sum,
       SUM(w * (c - y) * (c - y)) AS weighted_squared_error_sum
FROM reviewed
GROUP BY hour_epoch, agent_id, agent_version, bin
