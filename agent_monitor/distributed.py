"""Definitions for several machines: every run's steps go to Celery workers (dagster-celery).

Loaded by `deploy/celery/workspace.yaml` instead of `agent_monitor.definitions`, so the
default local setup (`dagster dev`) never needs a broker. The broker comes from
DAGSTER_CELERY_BROKER_URL, the result backend from DAGSTER_CELERY_BACKEND_URL.
"""

import os
import sys
import warnings
from typing import Any

import dagster as dg
from dagster_celery import celery_executor

from agent_monitor.defs.partitions import hourly_partitions

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from agent_monitor.definitions import defs as local_defs

BROKER_ENV_VAR = "DAGSTER_CELERY_BROKER_URL"
BACKEND_ENV_VAR = "DAGSTER_CELERY_BACKEND_URL"
RANGE_START_TAG = "dagster/asset_partition_range_start"
RANGE_END_TAG = "dagster/asset_partition_range_end"
JOB_NAME = "hourly_assets_celery_job"


def hourly_asset_keys(definitions: dg.Definitions) -> list[dg.AssetKey]:
    """The materializable assets on the hourly partitions (what a backfill builds)."""
    graph = definitions.resolve_asset_graph()
    return sorted(
        (key for key in graph.get_all_asset_keys()
         if graph.get(key).is_materializable and graph.get(key).partitions_def == hourly_partitions),
        key=lambda k: k.to_user_string(),
    )


distributed_executor = celery_executor.configured(
    {"broker": {"env": BROKER_ENV_VAR}, "backend": {"env": BACKEND_ENV_VAR}},
    name="celery",
)

hourly_assets_celery_job = dg.define_asset_job(
    JOB_NAME,
    selection=dg.AssetSelection.assets(*hourly_asset_keys(local_defs)),
    partitions_def=hourly_partitions,
    executor_def=distributed_executor,
    description="Every hourly asset for an hour or an hour range, one Celery task per asset step.",
)

defs = dg.Definitions.merge(
    local_defs,
    dg.Definitions(jobs=[hourly_assets_celery_job], executor=distributed_executor),
)


def hourly_assets_celery_job_def() -> dg.JobDefinition:
    """The resolved job; a module-level function, so workers can reconstruct it."""
    return defs.resolve_job_def(JOB_NAME)


def run_window_on_celery(
    instance: dg.DagsterInstance, first_key: str, last_key: str, warehouse_url: str | None = None
) -> Any:
    """Build every hourly asset for [first_key, last_key] in one run whose steps go to workers."""
    run_config = (
        {"resources": {"warehouse": {"config": {"url": warehouse_url}}}} if warehouse_url else {}
    )
    tags = {RANGE_START_TAG: first_key, RANGE_END_TAG: last_key}
    if first_key == last_key:
        tags = {"dagster/partition": first_key}
    return dg.execute_job(
        dg.reconstructable(hourly_assets_celery_job_def), instance=instance, run_config=run_config, tags=tags
    )


def main(argv: list[str]) -> int:
    """`python -m agent_monitor.distributed FIRST_KEY LAST_KEY`: one backfill run on the workers."""
    if len(argv) != 2 or not os.environ.get("DAGSTER_HOME"):
        print("usage: DAGSTER_HOME=… python -m agent_monitor.distributed FIRST_KEY LAST_KEY", file=sys.stderr)
        return 2
    # Through the imported module, so workers reconstruct the job by module name, not "__main__".
    from agent_monitor import distributed

    with dg.DagsterInstance.get() as instance:
        result = distributed.run_window_on_celery(instance, argv[0], argv[1])
    print(f"run {result.run_id}: {'success' if result.success else 'failure'}")
    return 0 if result.success else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
