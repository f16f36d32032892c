"""Tables written by ingestion: accepted events, quarantine, the ledger, touched hours."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Float,
    Index,
    Integer,
    String,
    Table,
    Text,
)

from agent_monitor.lib.warehouse.metadata import metadata
from agent_monitor.lib.warehouse.types import JsonColumn

# All timestamps are naive UTC. `ts_epoch` (seconds) duplicates `ts` so that SQL doing
# arithmetic on time (buckets, gaps) is the same on every dialect.
raw_events = Table(
    "raw_events",
    metadata,
    Column("event_id", String(128), primary_key=True),
    Column("event_type", String(32), nullable=False),
    Column("ts", DateTime(), nullable=False),
    Column("ts_epoch", Float(), nullable=False),
    Column("agent_id", String()),
    Column("agent_version", String()),
    Column("session_id", String()),
    Column("turn", Integer()),
    Column("trace_id", String()),
    Column("span_id", String()),
    Column("schema_version", Integer(), nullable=False, default=1),
    # agent_response
    Column("confidence", Float()),
    Column("confidence_source", String(32)),
    Column("input_tokens", BigInteger()),
    Column("output_tokens", BigInteger()),
    Column("latency_ms", Float()),
    Column("status", String(32)),
    Column("error_type", String()),
    Column("text", Text()),
    Column("input_hash", String()),
    Column("facts_referenced", JsonColumn),
    Column("fields_requested", JsonColumn),
    Column("decision_name", String()),
    Column("decision_value", Text()),
    Column("decision_path", String()),
    Column("deployment", String(16)),
    Column("shadow_of", String(128)),
    Column("flags", JsonColumn),
    Column("has_hallucination_flag", Boolean()),
    # Not in the event: the review sampler's draw u under the default salt (SPEC §5), computed
    # once at ingest; the sampler reads it when configured with that salt (NULL on rows
    # ingested before this column existed: the sampler then hashes their event_id).
    Column("sampling_u", Float()),
    # Derived at ingest from token logprobs and text (which need not be stored).
    Column("output_entropy", Float()),
    Column("entropy_source", String(32)),
    Column("hedging_rate", Float()),
    Column("repeated_trigram_rate", Float()),
    # user_message
    Column("facts_provided", JsonColumn),
    Column("fields_provided", JsonColumn),
    # review
    Column("target_event_id", String(128)),
    # Not in the event: the `ts` of the event the review judges, set at ingest when that event
    # is in the warehouse (or arrives later: lib/ingest/review_targets.py), on reviews only.
    # The review queue and M1 find an hour's reviewed responses by it, a range read of the
    # hour's reviews (no event type needed) instead of a lookup per response.
    Column("target_ts", DateTime()),
    Column("verdict", String(32)),
    Column("reviewer", String()),
    # escalation
    Column("kind", String(32)),
    # workflow_run / workflow_step (and the response's own step link)
    Column("workflow_id", String()),
    Column("workflow_run_id", String()),
    Column("step_id", String()),
    Column("depends_on", JsonColumn),
    Column("started_at", DateTime()),
    # Fields the schema does not name, kept as they came.
    Column("attributes", JsonColumn),
    # Provenance and de-duplication.
    Column("content_hash", String(64), nullable=False),
    Column("ingest_id", Integer(), nullable=False),
    Column("source_location", Integer()),
)
Index("ix_raw_events_ts_type", raw_events.c.ts, raw_events.c.event_type)
# A session's events by time: the session summaries and profiles look up, per session, its
# events of the look-back and whether anything came after the window (one descent to the
# first entry after it). It replaced the index on session_id alone, which each such lookup
# had to read in full (`retired_indexes`).
Index("ix_raw_events_session_ts", raw_events.c.session_id, raw_events.c.ts)
raw_events.info["retired_indexes"] = ("ix_raw_events_session",)
# A session's escalations (M7 looks them up once per session of the hour; a few sessions in a
# hundred have any), without reading every event of every session. It holds every column the
# lookup reads, so that SQLite, which keeps no statistics here, prefers it by cost over the
# session index (with the session alone in it, the choice followed the order the two indexes
# happened to be created in).
_ESCALATION = raw_events.c.event_type == "escalation"
Index("ix_raw_events_escalations", raw_events.c.session_id, raw_events.c.ts, raw_events.c.kind,
      raw_events.c.event_type, postgresql_where=_ESCALATION, sqlite_where=_ESCALATION)
Index("ix_raw_events_run", raw_events.c.workflow_run_id)
Index("ix_raw_events_target", raw_events.c.target_event_id)
_PLACED_REVIEW = raw_events.c.target_ts.is_not(None)
Index("ix_raw_events_target_ts", raw_events.c.target_ts,
      postgresql_where=_PLACED_REVIEW, sqlite_where=_PLACED_REVIEW)
# Reviews whose judged event is not in the warehouse yet: looked up when events arrive.
_WAITING_REVIEW = (raw_events.c.event_type == "review") & raw_events.c.target_ts.is_(None)
Index("ix_raw_events_waiting_reviews", raw_events.c.target_event_id,
      postgresql_where=_WAITING_REVIEW, sqlite_where=_WAITING_REVIEW)
Index("ix_raw_events_shadow_of", raw_events.c.shadow_of)
Index("ix_raw_events_agent_ts", raw_events.c.agent_id, raw_events.c.ts)
# M2's late responses (turn >= 50, about 1 % of the responses) of a window, without reading
# every response of its hours.
_LATE_RESPONSE = (raw_events.c.event_type == "agent_response") & (raw_events.c.turn >= 50)
Index("ix_raw_events_late_responses", raw_events.c.ts,
      postgresql_where=_LATE_RESPONSE, sqlite_where=_LATE_RESPONSE)

quarantined_events = Table(
    "quarantined_events",
    metadata,
    Column("quarantine_id", Integer(), primary_key=True, autoincrement=True),
    Column("ingest_id", Integer(), nullable=False),
    Column("source", Text(), nullable=False),
    Column("location", Integer(), nullable=False),
    Column("reason", String(), nullable=False),
    Column("detail", Text()),
    Column("event_id", String()),
    Column("raw_text", Text()),
    Column("raw_length", BigInteger()),
    Column("quarantined_at", DateTime(), nullable=False),
    # SHA-256 of the line's bytes: the same bad line delivered again is a duplicate.
    Column("raw_hash", String(64)),
)
Index("ix_quarantined_ingest", quarantined_events.c.ingest_id)
Index("ix_quarantined_raw_hash", quarantined_events.c.raw_hash)

ingestion_ledger = Table(
    "ingestion_ledger",
    metadata,
    Column("ingest_id", Integer(), primary_key=True, autoincrement=True),
    Column("source", Text(), nullable=False),
    Column("source_format", String(32), nullable=False),
    Column("checksum", String(64)),
    Column("size_bytes", BigInteger()),
    Column("start_offset", BigInteger(), nullable=False, default=0),
    Column("first_location", Integer(), nullable=False, default=1),
    Column("lines_read", Integer(), nullable=False, default=0),
    Column("accepted", Integer(), nullable=False, default=0),
    Column("duplicates", Integer(), nullable=False, default=0),
    Column("quarantined", Integer(), nullable=False, default=0),
    Column("blank_lines", Integer(), nullable=False, default=0),
    Column("status", String(16), nullable=False),
    Column("error", Text()),
    Column("started_at", DateTime(), nullable=False),
    Column("finished_at", DateTime()),
)
Index("ix_ledger_source", ingestion_ledger.c.source)

# One row per UTC hour whose inputs changed: the late-data mechanism. An hour is touched by
# an event in it (a review excepted), and by the later events that change its figures
# (lib/ingest/hours.py): a shadow response, an escalation, a run's later events.
raw_event_hours = Table(
    "raw_event_hours",
    metadata,
    Column("hour", DateTime(), primary_key=True),
    Column("n_events", BigInteger(), nullable=False, default=0),
    Column("last_ingest_id", Integer(), nullable=False),
    Column("updated_at", DateTime(), nullable=False),
)
Index("ix_raw_event_hours_ingest", raw_event_hours.c.last_ingest_id)

# One row per UTC hour whose responses got a review (a verdict): only the review queue and M1
# of that hour read it, so reviews rebuild that hour alone, not the 24 hours that read its
# events through their look-back.
review_hours = Table(
    "review_hours",
    metadata,
    Column("hour", DateTime(), primary_key=True),
    Column("n_reviews", BigInteger(), nullable=False, default=0),
    Column("last_ingest_id", Integer(), nullable=False),
    Column("updated_at", DateTime(), nullable=False),
)
Index("ix_review_hours_ingest", review_hours.c.last_ingest_id)
