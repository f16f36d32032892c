"""Correctness gates on the review queue, one property each."""

import dagster as dg
from sqlalchemy import func, not_, or_, select

from agent_monitor.defs.resources import Warehouse
from agent_monitor.defs.reviews.assets import review_queue
from agent_monitor.lib.warehouse.tables_reviews import review_queue as queue_table

_QUEUE = queue_table.c


def _count(warehouse: Warehouse, *conditions: object) -> int:
    with warehouse.engine.connect() as connection:
        return int(connection.execute(select(func.count()).select_from(queue_table).where(*conditions)).scalar_one())


@dg.asset_check(asset=review_queue, blocking=True)
def review_queue_probabilities_in_range(warehouse: Warehouse) -> dg.AssetCheckResult:
    """Every item's π is in (0, 1] and at least the rule's π."""
    bad = _count(
        warehouse,
        or_(
            _QUEUE.inclusion_probability <= 0,
            _QUEUE.inclusion_probability > 1,
            _QUEUE.inclusion_probability < _QUEUE.rule_probability - 1e-12,
        ),
    )
    return dg.AssetCheckResult(passed=bad == 0, metadata={"bad_rows": bad})


@dg.asset_check(asset=review_queue, blocking=True)
def review_queue_rule_samples_below_pi(warehouse: Warehouse) -> dg.AssetCheckResult:
    """Items the rule sampled (not topped up, not reviewed outside the sample) have u < rule π."""
    with warehouse.engine.connect() as connection:
        rows = connection.execute(
            select(_QUEUE.event_id, _QUEUE.u, _QUEUE.rule_probability, _QUEUE.reasons).where(
                _QUEUE.u >= _QUEUE.rule_probability
            )
        ).all()
    exempt = {"daily_minimum", "reviewed_outside_sample"}
    bad = [r.event_id for r in rows if not exempt & set(r.reasons or [])]
    metadata = {"bad_rows": len(bad), "examples": dg.MetadataValue.json(bad[:5])}
    return dg.AssetCheckResult(passed=not bad, metadata=metadata)


@dg.asset_check(asset=review_queue, blocking=True)
def review_queue_sampled_exactly_below_pi(warehouse: Warehouse) -> dg.AssetCheckResult:
    """An item is in the sample exactly when u < π (SPEC §8); only reviewed extras are not."""
    with warehouse.engine.connect() as connection:
        rows = connection.execute(
            select(_QUEUE.event_id, _QUEUE.u, _QUEUE.inclusion_probability, _QUEUE.reasons)
        ).all()
    bad = [r.event_id for r in rows
           if ("reviewed_outside_sample" in (r.reasons or [])) == (r.u < r.inclusion_probability)]
    metadata = {"bad_rows": len(bad), "examples": dg.MetadataValue.json(bad[:5])}
    return dg.AssetCheckResult(passed=not bad, metadata=metadata)


@dg.asset_check(asset=review_queue, blocking=True)
def review_queue_reviewed_rows_have_verdicts(warehouse: Warehouse) -> dg.AssetCheckResult:
    """Reviewed items carry a verdict; other items carry none."""
    bad = _count(
        warehouse,
        or_(
            (_QUEUE.status == "reviewed") & _QUEUE.verdict.is_(None),
            not_(_QUEUE.status == "reviewed") & _QUEUE.verdict.is_not(None),
        ),
    )
    return dg.AssetCheckResult(passed=bad == 0, metadata={"bad_rows": bad})
