"""The hourly metric tables: M1–M7 per agent, session coherence, decision consistency."""

from datetime import datetime

import dagster as dg

from agent_monitor.defs.ingest.assets import raw_events
from agent_monitor.defs.metrics.summary import agent_metrics_metadata
from agent_monitor.defs.partitions import hourly_table
from agent_monitor.defs.per_hour import PARTITION_KEY_FORMAT, Rows, report_each_hour
from agent_monitor.defs.resources import Clock, MonitorSettings, Warehouse
from agent_monitor.lib.metrics.coherence import CoherenceFlagRule
from agent_monitor.lib.metrics.rates import ratio
from agent_monitor.lib.rollup import (
    build_agent_metrics,
    build_decision_consistency,
    build_session_coherence,
)
from agent_monitor.lib.rollup.build import SessionCounts

# M2, M5, M6 and the session profiles read up to 24 h before the hour (lib/rollup/window.py),
# so an hour reads, and is rebuilt after late events in, the 24 raw_events hours before it.
RAW_EVENTS_WITH_LOOKBACK = dg.AssetDep(
    raw_events,
    partition_mapping=dg.TimeWindowPartitionMapping(
        start_offset=-24, allow_nonexistent_upstream_partitions=True
    ),
)
HOURLY = hourly_table("metrics")


def _window(context: dg.AssetExecutionContext) -> tuple[datetime, datetime]:
    start, end = context.partition_time_window
    return start.replace(tzinfo=None), end.replace(tzinfo=None)


# M1 weights reviews by 1/π from the review queue of the same hour.
REVIEW_QUEUE = dg.AssetDep("review_queue")


@dg.asset(deps=[RAW_EVENTS_WITH_LOOKBACK, REVIEW_QUEUE], **HOURLY)
def agent_metrics_hourly(
    context: dg.AssetExecutionContext, warehouse: Warehouse, clock: Clock
) -> dg.MaterializeResult:
    """M1–M7 per hour × agent × version with numerators, denominators, latency and tokens."""
    start, end = _window(context)
    rows = build_agent_metrics(warehouse.engine, start, end, clock.now())
    return report_each_hour(context, rows, agent_metrics_metadata)


@dg.asset(deps=[RAW_EVENTS_WITH_LOOKBACK], **HOURLY)
def session_coherence(
    context: dg.AssetExecutionContext, warehouse: Warehouse, settings: MonitorSettings
) -> dg.MaterializeResult:
    """Per session, in the hour of its last event: coherence, re-asked fields, contradictions."""
    start, end = _window(context)
    built = build_session_coherence(warehouse.engine, start, end, _flag_rule(settings))
    for key in context.partition_keys:
        hour = datetime.strptime(key, PARTITION_KEY_FORMAT)
        counts = built.per_hour.get(hour, SessionCounts(0, 0, 0))
        context.add_asset_metadata(_coherence_metadata(counts), partition_key=key)
    return dg.MaterializeResult()


def _coherence_metadata(counts: SessionCounts) -> dict[str, dg.MetadataValue]:
    metadata: dict[str, dg.MetadataValue] = {
        "sessions": dg.MetadataValue.int(counts.sessions),
        "flagged_sessions": dg.MetadataValue.int(counts.flagged),
        "sessions_with_late_turns": dg.MetadataValue.int(counts.with_late_responses),
    }
    share = ratio(counts.flagged, counts.sessions)
    if share is not None:
        metadata["flagged_share"] = dg.MetadataValue.float(share)
    return metadata


@dg.asset(deps=[raw_events], **HOURLY)
def decision_consistency_hourly(
    context: dg.AssetExecutionContext, warehouse: Warehouse
) -> dg.MaterializeResult:
    """Per hour × agent × decision × path: shadow-pair disagreements, repeated-input agreement."""
    start, end = _window(context)
    rows = build_decision_consistency(warehouse.engine, start, end)
    return report_each_hour(context, rows, _consistency_metadata)


def _consistency_metadata(rows: Rows) -> dict[str, dg.MetadataValue]:
    pairs = sum(r["n_shadow_pairs"] for r in rows)
    disagreements = sum(r["n_shadow_disagreements"] for r in rows)
    metadata: dict[str, dg.MetadataValue] = {
        "rows": dg.MetadataValue.int(len(rows)),
        "shadow_pairs": dg.MetadataValue.int(pairs),
        "shadow_disagreements": dg.MetadataValue.int(disagreements),
    }
    rate = ratio(disagreements, pairs)
    if rate is not None:
        metadata["disagreement_rate"] = dg.MetadataValue.float(rate)
    return metadata


def _flag_rule(settings: MonitorSettings) -> CoherenceFlagRule:
    """The M2 flag rule from the config's `m2_context_coherence` rule, else the defaults."""
    rule = settings.load().rules.get("m2_context_coherence")
    default = CoherenceFlagRule()
    if rule is None:
        return default
    return CoherenceFlagRule(
        min_ratio=rule.threshold if rule.threshold is not None else default.min_ratio,
        min_late_responses=(
            rule.min_samples if rule.min_samples is not None else default.min_late_responses
        ),
    )
