-- A warehouse written before reviews carried the time of the event they judge: each stored
-- review gets its judged event's ts (lib/ingest/review_targets.py keeps it from then on).
UPDATE raw_events
SET target_ts = (SELECT judged.ts FROM raw_events judged WHERE judged.event_id = raw_events.target_event_id)
WHERE event_type = 'review' AND target_event_id IS NOT NULL
