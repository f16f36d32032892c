"""Warehouse writes of one ingestion batch: events, quarantine, touched hours, the ledger."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, String, Table, any_, bindparam, select, update
from sqlalchemy.dialects import postgresql, sqlite

from agent_monitor.lib.warehouse import bulk
from agent_monitor.lib.warehouse.local_settings import local_setting
from agent_monitor.lib.warehouse.tables_raw import (
    ingestion_ledger,
    quarantined_events,
    raw_event_hours,
    raw_events,
    review_hours,
)


def among(connection: Connection, column: Any, name: str = "ids") -> Any:
    """`column = ANY(:name)` on PostgreSQL (one array parameter), `column IN (:name…)` elsewhere.

    A list of thousands of ids is one value to bind and parse as an array; as an expanded IN
    list it is thousands of parameters for SQLAlchemy to render and the server to parse.
    """
    if connection.dialect.name == "postgresql":
        return column == any_(bindparam(name, type_=postgresql.ARRAY(String())))
    return column.in_(bindparam(name, expanding=True))


def existing_hashes(connection: Connection, event_ids: Sequence[str]) -> dict[str, str]:
    """event_id → content_hash for the ids already in `raw_events`."""
    if not event_ids:
        return {}
    statement = select(raw_events.c.event_id, raw_events.c.content_hash).where(
        among(connection, raw_events.c.event_id)
    )
    # A batch's ids are probed in the primary key. Up to a few million rows the planner prices
    # a scan of the whole table as cheaper, and a run then rescans the table once per batch
    # (its cost grows with the square of the run); the probes stay flat.
    with local_setting(connection, "enable_seqscan", "off"):
        return {row.event_id: row.content_hash for row in connection.execute(statement, {"ids": list(event_ids)})}


def insert_events(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    """Bulk-insert accepted rows: COPY on PostgreSQL, a prepared executemany on SQLite."""
    bulk.insert_rows(connection, raw_events, rows)


def insert_quarantine(connection: Connection, rows: Sequence[dict[str, Any]]) -> None:
    if rows:
        connection.execute(quarantined_events.insert(), list(rows))


def existing_quarantine_keys(connection: Connection, keys: Sequence[str]) -> set[str]:
    """The keys (hash of the line) of these bad lines that are already quarantined."""
    if not keys:
        return set()
    statement = select(quarantined_events.c.raw_hash).where(among(connection, quarantined_events.c.raw_hash, "keys"))
    return {row.raw_hash for row in connection.execute(statement, {"keys": list(keys)})}


def touch_hours(
    connection: Connection,
    event_counts: Counter[datetime],
    other_hours: Iterable[datetime],
    ingest_id: int,
    now: datetime,
    table: Table = raw_event_hours,
) -> None:
    """Record that these hours' inputs changed in this ingestion (the late-data signal).

    `table` is `raw_event_hours` (events; its count column `n_events`) or `review_hours`
    (verdicts about the hour's responses; `n_reviews`).
    """
    counts = Counter(event_counts)
    for hour in other_hours:
        counts[hour] += 0
    if not counts:
        return
    count = "n_reviews" if table is review_hours else "n_events"
    values = [
        {"hour": hour, count: n, "last_ingest_id": ingest_id, "updated_at": now}
        for hour, n in sorted(counts.items())
    ]
    dialect = connection.dialect.name
    insert_factory = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert_factory(table)
    statement = statement.on_conflict_do_update(
        index_elements=[table.c.hour],
        set_={
            count: table.c[count] + statement.excluded[count],
            "last_ingest_id": statement.excluded.last_ingest_id,
            "updated_at": statement.excluded.updated_at,
        },
    )
    connection.execute(statement, values)


# Planner statistics are refreshed after an ingestion adds at least this many events: right
# after a bulk load into a young table PostgreSQL still believes it is nearly empty and picks
# plans (e.g. a time-index scan per session chunk) that are orders of magnitude slower.
ANALYZE_AFTER_EVENTS = 10_000


def refresh_statistics(connection: Connection, accepted: int) -> bool:
    """ANALYZE raw_events on PostgreSQL after a large ingestion; True when it ran."""
    if accepted < ANALYZE_AFTER_EVENTS or connection.dialect.name != "postgresql":
        return False
    connection.exec_driver_sql("ANALYZE raw_events")
    return True


def refresh_lookup_statistics(connection: Connection) -> None:
    """On PostgreSQL, ANALYZE only the columns ingestion's own lookups filter on (cheaper than all)."""
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("ANALYZE raw_events (event_id, session_id, event_type, deployment, workflow_run_id)")


def hour_of(ts: datetime) -> datetime:
    return ts.replace(minute=0, second=0, microsecond=0)


def create_ledger_entry(connection: Connection, values: dict[str, Any]) -> int:
    result = connection.execute(ingestion_ledger.insert().values(**values))
    return int(result.inserted_primary_key[0])


def update_ledger_entry(connection: Connection, ingest_id: int, values: dict[str, Any]) -> None:
    connection.execute(
        update(ingestion_ledger).where(ingestion_ledger.c.ingest_id == ingest_id).values(**values)
    )


def add_to_ledger_entry(connection: Connection, ingest_id: int, counts: Any) -> None:
    """Add one committed write's counts to the ledger row, in the same transaction."""
    columns = ("lines_read", "accepted", "duplicates", "quarantined", "blank_lines")
    connection.execute(
        update(ingestion_ledger)
        .where(ingestion_ledger.c.ingest_id == ingest_id)
        .values({name: ingestion_ledger.c[name] + getattr(counts, name) for name in columns})
    )


def fail_stale_ingestions(connection: Connection, now: datetime) -> int:
    """Mark `running` ledger rows failed; called under the ingestion lock, so none is live.

    A run killed mid-file leaves its row `running`; its committed batches stay (the ledger
    counts them), and the next ingestion of the file re-reads it, counting them as duplicates.
    """
    result = connection.execute(
        update(ingestion_ledger)
        .where(ingestion_ledger.c.status == "running")
        .values(status="failed", error="interrupted: the ingesting process ended mid-file", finished_at=now)
    )
    return int(result.rowcount or 0)


def resolve_stale_ingestions(engine: Any) -> int:
    """Mark `running` rows failed when no ingestion is live, so they are retried; never waits."""
    from agent_monitor.lib.ingest.lock import idle_ingestion_lock

    with idle_ingestion_lock(engine) as idle:
        if not idle:
            return 0
        with engine.begin() as connection:
            return fail_stale_ingestions(connection, utcnow())


def utcnow() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def last_complete_ingestion(connection: Connection, source: str) -> Any:
    statement = (
        select(ingestion_ledger)
        .where(ingestion_ledger.c.source == source, ingestion_ledger.c.status == "complete")
        .order_by(ingestion_ledger.c.ingest_id.desc())
        .limit(1)
    )
    return connection.execute(statement).first()


def sources_to_retry(connection: Connection, sources: Sequence[str], max_attempts: int) -> dict[str, int]:
    """source → id of its failed ingestion, for sources whose latest ingestion failed.

    A source is retried while it has failed fewer than `max_attempts` times since its last
    complete ingestion, so a file that cannot be ingested is not tried forever.
    """
    if not sources:
        return {}
    statement = (
        select(ingestion_ledger.c.source, ingestion_ledger.c.ingest_id, ingestion_ledger.c.status)
        .where(ingestion_ledger.c.source.in_(bindparam("sources", expanding=True)))
        .order_by(ingestion_ledger.c.ingest_id)
    )
    failures: dict[str, list[int]] = {}
    latest: dict[str, str] = {}
    for row in connection.execute(statement, {"sources": list(sources)}):
        latest[row.source] = row.status
        if row.status == "complete":
            failures[row.source] = []
        elif row.status == "failed":
            failures.setdefault(row.source, []).append(row.ingest_id)
    return {
        source: ids[-1]
        for source, ids in failures.items()
        if latest[source] == "failed" and len(ids) < max_attempts
    }
