"""Correctness gates on the review queue, one property each.

Each check reads the UTC days of the run's partitions (a build of an hour can update any
hour of its day: the daily top-up), not the whole table, and counts in the database.
"""

from datetime import datetime
from typing import Any

import dagster as dg
from sqlalchemy import Text, cast, func, not_, or_, select

from agent_monitor.defs.partitions import hourly_partitions
from agent_monitor.defs.resources import Warehouse
from agent_monitor.defs.reviews.assets import review_queue
from agent_monitor.lib.reviews.build import day_span
from agent_monitor.lib.warehouse.tables_reviews import review_queue as queue_table

_QUEUE = queue_table.c


def _days(context: dg.AssetCheckExecutionContext) -> Any:
    start, end = context.partition_time_window
    return in_days(start.replace(tzinfo=None), end.replace(tzinfo=None))


def in_days(start: datetime, end: datetime) -> Any:
    """The queue rows of the UTC days that [start, end) touches."""
    day_start, day_end = day_span(start, end)
    return (_QUEUE.hour >= day_start) & (_QUEUE.hour < day_end)


def _count(warehouse: Warehouse, *conditions: object) -> int:
    with warehouse.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(queue_table).where(*conditions)).scalar_one())


def _has_reason(reason: str) -> Any:
    """The JSON list of reasons names `reason` (the reasons are fixed words, none inside another)."""
    return cast(_QUEUE.reasons, Text).like(f'%"{reason}"%')


@dg.asset_check(asset=review_queue, blocking=True, partitions_def=hourly_partitions)
def review_queue_probabilities_in_range(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse
) -> dg.AssetCheckResult:
    """Every item's π is in (0, 1] and at least the rule's π."""
    bad = _count(
        warehouse,
        _days(context),
        or_(
            _QUEUE.inclusion_probability <= 0,
            _QUEUE.inclusion_probability > 1,
            _QUEUE.inclusion_probability < _QUEUE.rule_probability - 1e-12,
        ),
    )
    return dg.AssetCheckResult(passed=bad == 0, metadata={"bad_rows": bad})


@dg.asset_check(asset=review_queue, blocking=True, partitions_def=hourly_partitions)
def review_queue_rule_samples_below_pi(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse
) -> dg.AssetCheckResult:
    """Items the rule sampled (not topped up, not reviewed outside the sample) have u < rule π."""
    with warehouse.engine.connect() as connection:
        rows = connection.execute(
            select(_QUEUE.event_id, _QUEUE.u, _QUEUE.rule_probability, _QUEUE.reasons).where(
                _days(context), _QUEUE.u >= _QUEUE.rule_probability
            )
        ).all()
    exempt = {"daily_minimum", "reviewed_outside_sample"}
    bad = [r.event_id for r in rows if not exempt & set(r.reasons or [])]
    metadata = {"bad_rows": len(bad), "examples": dg.MetadataValue.json(bad[:5])}
    return dg.AssetCheckResult(passed=not bad, metadata=metadata)


@dg.asset_check(asset=review_queue, blocking=True, partitions_def=hourly_partitions)
def review_queue_sampled_exactly_below_pi(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse
) -> dg.AssetCheckResult:
    """An item is in the sample exactly when u < π (SPEC §8); only reviewed extras are not."""
    return sampled_exactly_below_pi(warehouse, _days(context))


def sampled_exactly_below_pi(warehouse: Warehouse, where: Any) -> dg.AssetCheckResult:
    """review_queue_sampled_exactly_below_pi over the rows `where` selects."""
    extra = _has_reason("reviewed_outside_sample")
    below = _QUEUE.u < _QUEUE.inclusion_probability
    with warehouse.engine.connect() as connection:
        bad = [r[0] for r in connection.execute(
            select(_QUEUE.event_id).where(where, or_(extra & below, not_(extra) & not_(below)))
            .order_by(_QUEUE.event_id)
        )]
    metadata = {"bad_rows": len(bad), "examples": dg.MetadataValue.json(bad[:5])}
    return dg.AssetCheckResult(passed=not bad, metadata=metadata)


@dg.asset_check(asset=review_queue, blocking=True, partitions_def=hourly_partitions)
def review_queue_reviewed_rows_have_verdicts(
    context: dg.AssetCheckExecutionContext, warehouse: Warehouse
) -> dg.AssetCheckResult:
    """Reviewed items carry a verdict; other items carry none."""
    bad = _count(
        warehouse,
        _days(context),
        or_(
            (_QUEUE.status == "reviewed") & _QUEUE.verdict.is_(None),
            not_(_QUEUE.status == "reviewed") & _QUEUE.verdict.is_not(None),
        ),
    )
    return dg.AssetCheckResult(passed=bad == 0, metadata={"bad_rows": bad})
