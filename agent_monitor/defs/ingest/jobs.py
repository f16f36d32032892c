"""The ingestion job: read files into the warehouse and record what happened."""


from pathlib import Path

import dagster as dg

from agent_monitor.defs.resources import MonitorSettings, Warehouse
from agent_monitor.lib.ingest.pipeline import ingest_path


class IngestFilesConfig(dg.Config):
    paths: list[str]


@dg.op(tags={"kind": "ingest"})
def ingest_files(
    context: dg.OpExecutionContext,
    config: IngestFilesConfig,
    warehouse: Warehouse,
    settings: MonitorSettings,
) -> None:
    """Ingest each file; one file's failure is reported and the others still run."""
    monitor_config = settings.load()
    failures: list[str] = []
    totals = {"accepted": 0, "duplicates": 0, "quarantined": 0, "lines_read": 0}
    for path in config.paths:
        try:
            result = ingest_path(
                warehouse.engine,
                Path(path),
                store_text=monitor_config.ingest.store_text,
                batch_size=monitor_config.ingest.batch_size,
                validation_workers=monitor_config.ingest.validation_workers,
            )
        except Exception as error:  # noqa: BLE001 - reported below, the run fails at the end
            failures.append(f"{path}: {type(error).__name__}: {error}")
            context.log.error(failures[-1])
            continue
        context.log.info(result.summary())
        for key in totals:
            totals[key] += getattr(result, key)
    context.log_event(
        dg.AssetMaterialization(
            asset_key="ingestion_ledger",
            metadata={**totals, "files": len(config.paths), "failed_files": len(failures)},
        )
    )
    if failures:
        raise dg.Failure(description="Some files could not be ingested:\n" + "\n".join(failures))


@dg.job(tags={"agent_monitor/stage": "ingest"})
def ingest_job() -> None:
    """Ingest landing files into raw_events."""
    ingest_files()
