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
drawn AS (
    SELECT r.*,
           r.low_confidence * 8 + r.critical_path * 4 + r.shadow_disagreement * 2 + r.has_flags AS answers,
           CASE r.low_confidence * 8 + r.critical_path * 4 + r.shadow_disagreement * 2 + r.has_flags
               {pi_cases}
           END AS rule_probability
    FROM responses r
),
ranked AS (
    SELECT d.*,
           CASE WHEN d.u < d.rule_probability THEN 1 ELSE 0 END AS by_rule,
           COUNT(*) OVER hour_agent AS n_responses,
           SUM(CASE WHEN d.u < d.rule_probability THEN 1 ELSE 0 END) OVER hour_agent AS n_rule_sampled,
           ROW_NUMBER() OVER (
               PARTITION BY d.hour_key, d.agent_id{collate}, CASE WHEN d.u < d.rule_probability THEN 1 ELSE 0 END
               ORDER BY d.u, d.event_id{collate}) AS draw_rank
    FROM drawn d
    WINDOW hour_agent AS (PARTITION BY d.hour_key, d.agent_id{collate})
)
SELECT k.event_id, k.ts, k.agent_id, k.u, k.answers, k.reviewed, k.by_rule, k.draw_rank, k.n_responses,
       k.n_rule_sampled
FROM ranked k
WHERE k.by_rule = 1 OR k.draw_rank <= :candidates OR k.reviewed = 1
