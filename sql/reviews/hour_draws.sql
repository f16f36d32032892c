-- The review sampler's rule (SPEC §5) for the primary responses of the hours being read,
-- computed where the events are. Per response: its draw u (the first 8 bytes of
-- SHA-256(salt ‖ event_id) as a fraction of 2⁶⁴; the draw stored at ingest when the salt is
-- the default one, lib/reviews/draws.py), the four yes/no answers that set π_rule (as a
-- 4-bit code: π_rule and its reasons are one of sixteen bound values, computed once in
-- Python), and whether a review of it exists (the reviews of the hours' responses are one
-- range read by the judged event's time, `target_ts`, which only reviews carry, hashed
-- once). Only the rows the queue and its day state can need are kept, staged in
-- review_draws: the rule's samples, per hour × agent the daily_minimum + 1 lowest draws the
-- rule left out (the daily top-up only ever takes from these), and every reviewed response.
-- Each row carries its hour × agent's counts (responses, rule samples), so the counts need
-- no second read.
-- OFFSET 0 (PostgreSQL) keeps the shadow EXISTS a lookup by its index per response: without it the
-- planner may hash the whole table's shadows instead, a read that grows with the history.
-- Identifiers compare byte-wise ({collate}): Python's order of str, and the cheapest.
-- The draws are computed on narrow rows (materialized once, so each EXISTS runs once per
-- response); the queue's wide columns are read later, by key, for the rows kept.
-- The lowest left-out draws are found without sorting every response: the left-out draws are
-- counted per hour × agent in 64 buckets of u (one hashed pass), and only those in the buckets
-- up to the one where the count reaches daily_minimum + 1 are ranked (every draw below a
-- ranked one is ranked too, so the ranks up to there are exact; an hour × agent with fewer
-- left-out draws ranks them all). Rows kept without a rank (rule samples, reviewed responses
-- past the candidates) carry draw_rank daily_minimum + 2: only ranks up to daily_minimum + 1
-- are ever read.
INSERT INTO review_draws (event_id, ts, agent_id, u, answers, reviewed, by_rule, draw_rank, n_responses,
                          n_rule_sampled)
WITH responses AS MATERIALIZED (
    SELECT e.event_id, e.agent_id, e.ts,
           {hour_key} AS hour_key,
           {u} AS u,
           CASE WHEN e.confidence < :low_confidence_threshold THEN 1 ELSE 0 END AS low_confidence,
           CASE WHEN {critical} THEN 1 ELSE 0 END AS critical_path,
           CASE WHEN e.decision_name IS NULL THEN 0
                WHEN EXISTS (
                    SELECT 1 FROM raw_events s
                    WHERE s.shadow_of = e.event_id
                      AND s.event_type = 'agent_response' AND s.deployment = 'shadow'
                      AND s.decision_name = e.decision_name
                      AND s.decision_value {is_distinct_from} e.decision_value
                    {per_row})
                THEN 1 ELSE 0 END AS shadow_disagreement,
           CASE WHEN {has_flags} THEN 1 ELSE 0 END AS has_flags,
           CASE WHEN e.event_id IN (
                    SELECT v.target_event_id FROM raw_events v
                    WHERE {judged_in_hours})
                THEN 1 ELSE 0 END AS reviewed
    FROM raw_events e
    WHERE e.event_type = 'agent_response'
      AND COALESCE(e.deployment, 'primary') <> 'shadow'
      AND ({in_hours})
),
drawn AS NOT MATERIALIZED (
    SELECT a.*, CASE WHEN a.u < (CASE a.answers {pi_cases} END) THEN 1 ELSE 0 END AS by_rule,
           {bucket} AS bucket
    FROM (
        SELECT r.*, r.low_confidence * 8 + r.critical_path * 4 + r.shadow_disagreement * 2 + r.has_flags AS answers
        FROM responses r
    ) a
),
buckets AS (  -- per hour × agent: its left-out draws counted per 1/64 of [0, 1), its rule samples as bucket -1
    SELECT d.hour_key, d.agent_id, CASE WHEN d.by_rule = 1 THEN -1 ELSE d.bucket END AS bucket, COUNT(*) AS n
    FROM drawn d
    GROUP BY d.hour_key, d.agent_id, CASE WHEN d.by_rule = 1 THEN -1 ELSE d.bucket END
),
reach AS (  -- per hour × agent: its counts, and the last bucket that its lowest daily_minimum + 1 left-out draws need
    SELECT b.hour_key, b.agent_id, SUM(b.n) AS n_responses,
           SUM(CASE WHEN b.bucket = -1 THEN b.n ELSE 0 END) AS n_rule_sampled,
           COALESCE(MIN(CASE WHEN b.bucket >= 0 AND b.running >= :candidates THEN b.bucket END), 64) AS last_bucket
    FROM (
        SELECT c.*, SUM(CASE WHEN c.bucket >= 0 THEN c.n ELSE 0 END) OVER (
                   PARTITION BY c.hour_key, c.agent_id ORDER BY c.bucket) AS running
        FROM buckets c
    ) b
    GROUP BY b.hour_key, b.agent_id
),
ranked AS (  -- the left-out draws in those buckets, ranked: every draw below them is among them
    SELECT d.event_id,
           ROW_NUMBER() OVER (PARTITION BY d.hour_key, d.agent_id{collate} ORDER BY d.u, d.event_id{collate}) AS draw_rank
    FROM drawn d
    JOIN reach g ON g.hour_key = d.hour_key AND g.agent_id = d.agent_id
    WHERE d.by_rule = 0 AND d.bucket <= g.last_bucket
)
SELECT d.event_id, d.ts, d.agent_id, d.u, d.answers, d.reviewed, d.by_rule,
       COALESCE(k.draw_rank, :candidates + 1) AS draw_rank, g.n_responses, g.n_rule_sampled
FROM drawn d
JOIN reach g ON g.hour_key = d.hour_key AND g.agent_id = d.agent_id
LEFT JOIN ranked k ON k.event_id = d.event_id
WHERE d.by_rule = 1 OR k.draw_rank <= :candidates OR d.reviewed = 1
