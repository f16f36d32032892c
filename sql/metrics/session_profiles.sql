-- The session_coherence rows of the staged sessions (session_summaries.sql in the temporary
-- table session_summaries_window), written by the database: the profiler of lib/metrics/coherence.py said in
-- SQL over the sessions that need it (needs_profile = 1), the summary with empty findings for
-- the others.
--
-- The profiler walks a session's primary user messages and responses with a turn, since 24 h
-- before its last hour, in turn order (the user's message first within a turn, then time,
-- then event_id): `walk`. Positions in a JSON array (`key`) keep the order of the array's items.
-- - Late responses (turn >= 50, M2): a fact's introduction turn is the first turn at which it
--   appears in the session's facts_provided or facts_referenced; a late response's distinct
--   referenced facts count as early when introduced at turns 1–20 and as recent when
--   introduced in [turn − 20, turn].
-- - Re-asks: a response's distinct requested fields that the user provided at the same or an
--   earlier turn; each is a request and a finding, the distinct fields in order of first re-ask.
-- - Contradictions: a response's distinct name=value references whose name the user gave
--   before (the latest value: last message in walk order, last item in it) with another value.
-- - Marks (sessions with flag_mark only): a run of consecutive responses marked tool_loop (in
--   `flags` or in attributes' profile_flags) is one finding at its first; each response marked
--   repeated_question is one.
-- Findings are ordered by turn, kind and detail (code point order), ties in walk order.
--
-- Sessions whose walk holds a list column that is neither an array nor null (a JSON string or
-- object in attributes' profile_flags, which nothing validates) are left out: the profiler
-- reads those in Python (lib/rollup/coherence.py), with its own reading of such values.
INSERT INTO session_coherence (
    session_id, hour, agent_ids, first_ts, last_ts, n_events, n_responses, max_turn,
    n_late_responses, early_refs, recent_refs, coherence_ratio, reasked_fields, n_reasked_fields,
    n_reask_requests, contradicted_facts, n_contradicted_facts, flagged, flag_reasons, findings, built_at)
WITH walk AS (
    SELECT s.session_id, s.n_late_responses, s.reask_mark, s.fact_mark, s.flag_mark,
           e.event_id, e.event_type, e.turn, e.ts_epoch,
           e.facts_provided, e.facts_referenced, e.fields_provided, e.fields_requested, e.flags,
           {json_field:e.attributes profile_flags} AS marks
    FROM session_summaries_window s
    -- Looked up per session (sql/metrics/session_summaries.sql says why and how); joined by
    -- the planner, a day's sessions were merge-joined with the whole session index.
    CROSS JOIN {lateral}(
        SELECT e.session_id, e.event_id, e.event_type, e.turn, e.ts_epoch, e.facts_provided,
               e.facts_referenced, e.fields_provided, e.fields_requested, e.flags, e.attributes
        FROM raw_events e
        WHERE {lateral_key:e.session_id s.session_id}
          AND e.event_type IN ('user_message', 'agent_response')
          AND COALESCE(e.deployment, 'primary') <> 'shadow'
          AND e.turn IS NOT NULL
          AND e.ts >= :since
        {per_row}
    ) e
    WHERE {joined_key:e.session_id s.session_id}
      AND s.needs_profile = 1
      AND e.ts_epoch >= s.hour_epoch - 86400
      -- Only the events a part of the profiler reads (every event of a session with late
      -- responses: the facts' introduction turns).
      AND (s.n_late_responses > 0
           OR s.reask_mark = 1 AND (e.fields_provided NOT IN ('null', '[]')
                                    OR e.fields_requested NOT IN ('null', '[]'))
           OR s.fact_mark = 1 AND (CAST(e.facts_provided AS TEXT) LIKE '%=%'
                                   OR CAST(e.facts_referenced AS TEXT) LIKE '%=%')
           OR s.flag_mark = 1 AND e.event_type = 'agent_response')
),
odd AS (
    SELECT DISTINCT session_id FROM walk
    WHERE flag_mark = 1 AND {json_type}(marks) NOT IN ('array', 'null')
),
-- Late responses.
facts AS (  -- every fact of the walk and the first turn at which the session has it
    SELECT f.*, MIN(f.turn) OVER (PARTITION BY f.session_id, f.fact) AS first_turn
    FROM (
        SELECT w.session_id, w.event_id, w.turn, 0 AS referenced, i.value AS fact
        FROM walk w CROSS JOIN {elements:w.facts_provided i}
        WHERE w.n_late_responses > 0 AND w.facts_provided NOT IN ('null', '[]')
        UNION ALL
        SELECT w.session_id, w.event_id, w.turn, CASE WHEN w.event_type = 'agent_response' AND w.turn >= 50
                                                      THEN 1 ELSE 0 END, i.value
        FROM walk w CROSS JOIN {elements:w.facts_referenced i}
        WHERE w.n_late_responses > 0 AND w.facts_referenced NOT IN ('null', '[]')
    ) f
),
late AS (
    SELECT session_id,
           SUM(CASE WHEN first_turn BETWEEN 1 AND 20 THEN 1 ELSE 0 END) AS early_refs,
           SUM(CASE WHEN first_turn BETWEEN turn - 20 AND turn THEN 1 ELSE 0 END) AS recent_refs
    FROM (SELECT DISTINCT session_id, event_id, turn, fact, first_turn FROM facts WHERE referenced = 1) refs
    GROUP BY session_id
),
-- Re-asks.
fields AS (  -- fields the user provided (requested = 0) and fields responses requested (1)
    SELECT w.session_id, w.event_id, w.turn, w.ts_epoch, 0 AS requested, i.value AS field, i.key AS pos
    FROM walk w CROSS JOIN {elements:w.fields_provided i}
    WHERE w.reask_mark = 1 AND w.event_type = 'user_message' AND w.fields_provided NOT IN ('null', '[]')
    UNION ALL
    SELECT w.session_id, w.event_id, w.turn, w.ts_epoch, 1, i.value, i.key
    FROM walk w CROSS JOIN {elements:w.fields_requested i}
    WHERE w.reask_mark = 1 AND w.event_type = 'agent_response' AND w.fields_requested NOT IN ('null', '[]')
),
reasks AS (  -- a response's distinct requested fields that the user provided at or before its turn
    SELECT session_id, event_id, turn, ts_epoch, field, MIN(pos) AS pos
    FROM (SELECT f.*, MIN(CASE WHEN f.requested = 0 THEN f.turn END)
                          OVER (PARTITION BY f.session_id, f.field) AS provided_turn
          FROM fields f) r
    WHERE requested = 1 AND provided_turn <= turn
    GROUP BY session_id, event_id, turn, ts_epoch, field
),
first_reasks AS (  -- each field at its first re-ask
    SELECT * FROM (
        SELECT r.*, ROW_NUMBER() OVER (PARTITION BY session_id, field
                                       ORDER BY turn, ts_epoch, event_id{collate}, pos) AS k
        FROM reasks r
    ) ranked
    WHERE k = 1
),
reasked AS (
    SELECT session_id, fields, n_fields FROM (
        SELECT session_id,
               {json_agg}(field) OVER w AS fields,
               COUNT(*) OVER w AS n_fields,
               ROW_NUMBER() OVER w AS n
        FROM first_reasks
        WINDOW w AS (PARTITION BY session_id ORDER BY turn, ts_epoch, event_id{collate}, pos
                     ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
    ) aggregated
    WHERE n = 1
),
reask_requests AS (
    SELECT session_id, COUNT(*) AS n_requests FROM reasks GROUP BY session_id
),
-- Contradictions.
named AS (  -- the user's name=value facts (by_user = 1) and the responses' distinct ones (0)
    SELECT w.session_id, w.event_id, w.turn, w.ts_epoch, 1 AS by_user, i.key AS pos, i.value AS fact
    FROM walk w CROSS JOIN {elements:w.facts_provided i}
    WHERE w.fact_mark = 1 AND w.event_type = 'user_message' AND CAST(w.facts_provided AS TEXT) LIKE '%=%'
      AND {position}(i.value, '=') > 0
    UNION ALL
    SELECT w.session_id, w.event_id, w.turn, w.ts_epoch, 0, MIN(i.key), i.value
    FROM walk w CROSS JOIN {elements:w.facts_referenced i}
    WHERE w.fact_mark = 1 AND w.event_type = 'agent_response' AND CAST(w.facts_referenced AS TEXT) LIKE '%=%'
      AND {position}(i.value, '=') > 0
    GROUP BY w.session_id, w.event_id, w.turn, w.ts_epoch, i.value
),
split AS (  -- in walk order per name; given counts the user's facts of the name so far
    SELECT n.session_id, n.event_id, n.turn, n.ts_epoch, n.by_user, n.pos,
           substr(n.fact, 1, {position}(n.fact, '=') - 1) AS name,
           substr(n.fact, {position}(n.fact, '=') + 1) AS value,
           SUM(n.by_user) OVER (PARTITION BY n.session_id, substr(n.fact, 1, {position}(n.fact, '=') - 1)
                                ORDER BY n.turn, n.by_user DESC, n.ts_epoch, n.event_id{collate}, n.pos
                                ROWS UNBOUNDED PRECEDING) AS given
    FROM named n
),
answered AS (  -- each response's reference with the user's latest value of the name before it
    SELECT s.*, MAX(CASE WHEN s.by_user = 1 THEN s.value END)
                    OVER (PARTITION BY s.session_id, s.name, s.given) AS provided
    FROM split s
),
contradictions AS (
    SELECT session_id, event_id, turn, ts_epoch, pos, name, provided, value AS referenced,
           name || '=' || provided AS fact
    FROM answered
    WHERE by_user = 0 AND given > 0 AND provided <> value
),
first_contradictions AS (  -- each user fact at its first contradiction
    SELECT * FROM (
        SELECT c.*, ROW_NUMBER() OVER (PARTITION BY session_id, fact
                                       ORDER BY turn, ts_epoch, event_id{collate}, pos) AS k
        FROM contradictions c
    ) ranked
    WHERE k = 1
),
contradicted AS (
    SELECT session_id, facts, n_facts FROM (
        SELECT session_id,
               {json_agg}(fact) OVER w AS facts,
               COUNT(*) OVER w AS n_facts,
               ROW_NUMBER() OVER w AS n
        FROM first_contradictions
        WINDOW w AS (PARTITION BY session_id ORDER BY turn, ts_epoch, event_id{collate}, pos
                     ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
    ) aggregated
    WHERE n = 1
),
-- Marks.
marked AS (
    SELECT w.session_id, w.event_id, w.turn, w.ts_epoch,
           CASE WHEN EXISTS (SELECT 1 FROM {elements:w.flags f} WHERE f.value = 'tool_loop')
                  OR EXISTS (SELECT 1 FROM {elements:w.marks f} WHERE f.value = 'tool_loop')
                THEN 1 ELSE 0 END AS in_loop,
           CASE WHEN EXISTS (SELECT 1 FROM {elements:w.flags f} WHERE f.value = 'repeated_question')
                  OR EXISTS (SELECT 1 FROM {elements:w.marks f} WHERE f.value = 'repeated_question')
                THEN 1 ELSE 0 END AS repeated
    FROM walk w
    WHERE w.flag_mark = 1 AND w.event_type = 'agent_response'
),
runs AS (
    SELECT m.*, LAG(m.in_loop, 1, 0) OVER (PARTITION BY m.session_id
                                          ORDER BY m.turn, m.ts_epoch, m.event_id{collate}) AS loop_before
    FROM marked m
),
-- Findings.
findings AS (
    SELECT session_id, 'reasked_field' AS kind, turn, ts_epoch, event_id, pos, field AS detail FROM reasks
    UNION ALL
    SELECT session_id, 'contradicted_fact', turn, ts_epoch, event_id, pos,
           name || ': ' || provided || ' -> ' || referenced
    FROM contradictions
    UNION ALL
    SELECT session_id, 'tool_loop', turn, ts_epoch, event_id, 0, '' FROM runs WHERE in_loop = 1 AND loop_before = 0
    UNION ALL
    SELECT session_id, 'repeated_question', turn, ts_epoch, event_id, 0, '' FROM runs WHERE repeated = 1
),
found AS (
    SELECT session_id, findings, has_loop, has_repeated FROM (
        SELECT session_id,
               {json_agg}({json_object}('kind', kind, 'turn', turn, 'event_id', event_id, 'detail', detail)) OVER w
                   AS findings,
               MAX(CASE WHEN kind = 'tool_loop' THEN 1 ELSE 0 END) OVER w AS has_loop,
               MAX(CASE WHEN kind = 'repeated_question' THEN 1 ELSE 0 END) OVER w AS has_repeated,
               ROW_NUMBER() OVER w AS n
        FROM findings
        WINDOW w AS (PARTITION BY session_id
                     ORDER BY turn, kind{collate}, detail{collate}, ts_epoch, event_id{collate}, pos
                     ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
    ) aggregated
    WHERE n = 1
),
-- The row.
profiled AS (
    SELECT s.*, l.early_refs, l.recent_refs,
           a.fields AS reasked_fields, a.n_fields AS n_reasked_fields, q.n_requests AS n_reask_requests,
           c.facts AS contradicted_facts, c.n_facts AS n_contradicted_facts,
           f.findings,
           CASE WHEN l.recent_refs > 0 THEN CAST(l.early_refs AS DOUBLE PRECISION) / l.recent_refs END
               AS coherence_ratio,
           CASE WHEN l.recent_refs > 0
                 AND CAST(l.early_refs AS DOUBLE PRECISION) / l.recent_refs < :min_ratio
                 AND s.n_late_responses >= :min_late_responses THEN ',"low_coherence"' ELSE '' END
           || CASE WHEN :flag_reasked_fields = 1 AND a.n_fields > 0 THEN ',"reasked_field"' ELSE '' END
           || CASE WHEN :flag_contradicted_facts = 1 AND c.n_facts > 0 THEN ',"contradicted_fact"' ELSE '' END
           || CASE WHEN :flag_tool_loops = 1 AND f.has_loop = 1 THEN ',"tool_loop"' ELSE '' END
           || CASE WHEN :flag_repeated_questions = 1 AND f.has_repeated = 1 THEN ',"repeated_question"' ELSE '' END
               AS reasons
    FROM session_summaries_window s
    LEFT JOIN late l ON l.session_id = s.session_id
    LEFT JOIN reasked a ON a.session_id = s.session_id
    LEFT JOIN reask_requests q ON q.session_id = s.session_id
    LEFT JOIN contradicted c ON c.session_id = s.session_id
    LEFT JOIN found f ON f.session_id = s.session_id
    WHERE s.session_id NOT IN (SELECT session_id FROM odd)
)
SELECT p.session_id, {timestamp:p.hour_epoch}, {sorted_texts:p.agent_ids}, p.first_ts, p.last_ts, p.n_events, COALESCE(p.n_responses, 0),
       p.max_turn, COALESCE(p.n_late_responses, 0), COALESCE(p.early_refs, 0), COALESCE(p.recent_refs, 0),
       p.coherence_ratio, COALESCE(p.reasked_fields, {as_json:'[]'}), COALESCE(p.n_reasked_fields, 0),
       COALESCE(p.n_reask_requests, 0), COALESCE(p.contradicted_facts, {as_json:'[]'}),
       COALESCE(p.n_contradicted_facts, 0), p.reasons <> '',
       {as_json:'[' || substr(p.reasons, 2) || ']'},
       -- As the profiler's rows always were: the summarised sessions' findings are NULL.
       CASE WHEN p.needs_profile = 1 THEN COALESCE(p.findings, {as_json:'[]'}) END,
       :built_at
FROM profiled p
RETURNING hour, flagged, n_late_responses
