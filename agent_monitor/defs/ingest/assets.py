"""The ingested tables as assets: written by ingestion runs, not materialized by Dagster."""

import dagster as dg

from agent_monitor.defs.partitions import hourly_partitions

raw_events = dg.AssetSpec(
    "raw_events",
    partitions_def=hourly_partitions,
    group_name="ingest",
    kinds={"sql"},
    description=(
        "Accepted agent events, one row each, partitioned by the UTC hour of `ts`. A partition "
        "is reported updated whenever ingestion adds events to that hour or events that change "
        "its figures (a shadow response, an escalation, a run's terminal status), and once "
        "more when the hour ends; that rebuilds everything derived from it."
    ),
)

review_verdicts = dg.AssetSpec(
    "review_verdicts",
    partitions_def=hourly_partitions,
    group_name="ingest",
    kinds={"sql"},
    description=(
        "The human verdicts (review events) about the responses of each UTC hour. A partition "
        "is reported updated when a review of one of its responses arrives, whenever that is; "
        "only the review queue and M1 of that hour read it."
    ),
)

ingestion_ledger = dg.AssetSpec(
    "ingestion_ledger",
    group_name="ingest",
    kinds={"sql"},
    description="One row per ingestion of a source: checksum, lines read, accepted, duplicates, quarantined.",
)

quarantined_events = dg.AssetSpec(
    "quarantined_events",
    group_name="ingest",
    kinds={"sql"},
    description="Lines and items that broke the event contract, with source, location, reason and raw text.",
)
