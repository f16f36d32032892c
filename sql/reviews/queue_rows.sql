-- The review queue rows of the hours read, from their staged draws (review_draws): the rule's
-- samples, the top-ups (a left-out draw below its agent-day's threshold t) and the reviewed
-- left-out responses, with π = max(π_rule, t), the reasons (the rule's, plus daily_minimum
-- or reviewed_outside_sample), the latest review of each (SPEC §8: by review ts, then
-- ingestion order, then id) and the status it gives. The responses' columns and their
-- reviews are read by key, per staged row (the two joins after the staged rows are the
-- dialect's: on PostgreSQL lateral lookups the planner cannot turn into a scan of the whole
-- table). Returns what the build's figures and change check need.
INSERT INTO review_queue (event_id, hour, day, agent_id, agent_version, session_id, trace_id, ts, confidence,
                          decision_name, decision_value, decision_path, u, rule_probability,
                          inclusion_probability, reasons, status, verdict, reviewer, reviewed_at,
                          review_event_id, expires_at, built_at)
SELECT e.event_id, {hour}, {day}, d.agent_id, e.agent_version, e.session_id, e.trace_id, e.ts, e.confidence,
       e.decision_name, e.decision_value, e.decision_path, d.u, d.rule_probability,
       {greatest}(d.rule_probability, d.t), {reasons},
       CASE WHEN lr.event_id IS NOT NULL THEN 'reviewed'
            WHEN :now > {expires} THEN 'expired'
            ELSE 'pending' END,
       lr.verdict, lr.reviewer, lr.ts, lr.event_id, {expires}, :now
FROM (
    SELECT s.*,
           CASE WHEN s.by_rule = 1 THEN 0 WHEN s.u < s.t THEN 1 WHEN s.reviewed = 1 THEN 2 END AS extra
    FROM (
        SELECT d.event_id, d.agent_id, d.u, d.answers, d.by_rule, d.reviewed,
               CASE d.answers {pi_cases} END AS rule_probability,
               COALESCE(t.t, 0.0) AS t
        FROM review_draws d
        LEFT JOIN (SELECT column1 AS agent_id, column2 AS t FROM (VALUES {thresholds}) v) t
               ON t.agent_id = d.agent_id
    ) s
) d
{response_columns}
{latest_review}
WHERE d.extra IS NOT NULL
RETURNING event_id, hour, agent_id, status, reasons, inclusion_probability, verdict
