"""Late events for an hour already built cause that hour to be rebuilt, without anyone asking."""


from pathlib import Path

import dagster as dg
from sqlalchemy import func, select

from agent_monitor.defs.ingest.assets import raw_events as raw_events_spec
from agent_monitor.defs.ingest.sensors import raw_events_update_sensor
from agent_monitor.defs.partitions import hourly_partitions, rebuild_when_inputs_change
from agent_monitor.defs.resources import Clock, Warehouse
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.warehouse.tables_raw import raw_events
from agent_monitor_tests.events import response, review, write_jsonl

HOUR = "2026-01-05-10:00"


@dg.asset(
    deps=[raw_events_spec],
    partitions_def=hourly_partitions,
    automation_condition=rebuild_when_inputs_change,
)
def events_in_hour(context: dg.AssetExecutionContext, warehouse: Warehouse) -> dg.MaterializeResult:
    """A probe downstream asset: counts the hour's events, like any hourly rollup would."""
    start, end = context.partition_time_window
    with warehouse.engine.connect() as connection:
        n = connection.execute(
            select(func.count()).select_from(raw_events).where(
                raw_events.c.ts >= start.replace(tzinfo=None), raw_events.c.ts < end.replace(tzinfo=None)
            )
        ).scalar_one()
    return dg.MaterializeResult(metadata={"events": int(n)})


def _report_changed_hours(instance: dg.DagsterInstance, warehouse: Warehouse, cursor: str | None) -> tuple[list[str], str | None]:
    with dg.build_sensor_context(instance=instance, cursor=cursor, resources={"warehouse": warehouse, "clock": Clock()}) as context:
        result = raw_events_update_sensor(context)
    for event in result.asset_events:
        instance.report_runless_asset_event(event)
    return sorted((e.asset_key.path[-1], e.partition) for e in result.asset_events), result.cursor


def _requested(defs: dg.Definitions, instance: dg.DagsterInstance, cursor):  # type: ignore[no-untyped-def]
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance, cursor=cursor)
    requested = sorted(str(k) for k in result.get_requested_partitions(dg.AssetKey("events_in_hour")))
    return requested, result.cursor


def test_late_events_for_a_built_hour_trigger_its_rebuild(tmp_path: Path, warehouse_url: str) -> None:
    warehouse = Warehouse(url=warehouse_url)
    defs = dg.Definitions(assets=[raw_events_spec, events_in_hour], resources={"warehouse": warehouse})
    with dg.instance_for_test() as instance:
        # The automation sensor is already running when the first events land.
        requested, automation_cursor = _requested(defs, instance, None)
        assert requested == []
        ingest_path(warehouse.engine, write_jsonl(tmp_path / "a.jsonl", [response("r1", "2026-01-05T10:05:00Z")]))
        reported, sensor_cursor = _report_changed_hours(instance, warehouse, None)
        assert reported == [("raw_events", HOUR)]
        requested, automation_cursor = _requested(defs, instance, automation_cursor)
        assert requested == [HOUR]
        first = dg.materialize([raw_events_spec, events_in_hour], partition_key=HOUR, instance=instance,
                               resources={"warehouse": warehouse}, selection=[events_in_hour])
        assert first.asset_materializations_for_node("events_in_hour")[0].metadata["events"].value == 1

        # Nothing new: nothing is reported, nothing is rebuilt.
        assert _report_changed_hours(instance, warehouse, sensor_cursor)[0] == []
        requested, automation_cursor = _requested(defs, instance, automation_cursor)
        assert requested == []

        # Two days later a late response for 10:00 and a review of r1 arrive. The review marks
        # the hour of the response it judges (review_verdicts), not its own hour (09:00 Jan 7).
        late = [response("r2", "2026-01-05T10:40:00Z"), review("v1", "2026-01-07T09:00:00Z", "r1")]
        ingest_path(warehouse.engine, write_jsonl(tmp_path / "b.jsonl", late))
        reported, sensor_cursor = _report_changed_hours(instance, warehouse, sensor_cursor)
        assert reported == [("raw_events", HOUR), ("review_verdicts", HOUR)]
        requested, automation_cursor = _requested(defs, instance, automation_cursor)
        assert requested == [HOUR]
        second = dg.materialize([raw_events_spec, events_in_hour], partition_key=HOUR, instance=instance,
                                resources={"warehouse": warehouse}, selection=[events_in_hour])
        assert second.asset_materializations_for_node("events_in_hour")[0].metadata["events"].value == 2


def test_an_update_landing_while_the_hour_builds_is_not_swallowed(tmp_path: Path, warehouse_url: str) -> None:
    # The live order of a daemon: the automation requests the hour, the run builds it, and
    # before the next evaluation more events for that hour are reported. At that evaluation
    # the hour is "newly updated" (its run finished) and its input too: it must be rebuilt.
    warehouse = Warehouse(url=warehouse_url)
    defs = dg.Definitions(assets=[raw_events_spec, events_in_hour], resources={"warehouse": warehouse})
    with dg.instance_for_test() as instance:
        _, automation_cursor = _requested(defs, instance, None)
        ingest_path(warehouse.engine, write_jsonl(tmp_path / "a.jsonl", [response("r1", "2026-01-05T10:05:00Z")]))
        _, sensor_cursor = _report_changed_hours(instance, warehouse, None)
        requested, automation_cursor = _requested(defs, instance, automation_cursor)
        assert requested == [HOUR]
        dg.materialize([raw_events_spec, events_in_hour], partition_key=HOUR, instance=instance,
                       resources={"warehouse": warehouse}, selection=[events_in_hour])
        ingest_path(warehouse.engine, write_jsonl(tmp_path / "b.jsonl", [response("r2", "2026-01-05T10:40:00Z")]))
        reported, sensor_cursor = _report_changed_hours(instance, warehouse, sensor_cursor)
        assert reported == [("raw_events", HOUR)]
        requested, automation_cursor = _requested(defs, instance, automation_cursor)
        assert requested == [HOUR]
        rebuilt = dg.materialize([raw_events_spec, events_in_hour], partition_key=HOUR, instance=instance,
                                 resources={"warehouse": warehouse}, selection=[events_in_hour])
        assert rebuilt.asset_materializations_for_node("events_in_hour")[0].metadata["events"].value == 2
        # And then nothing more.
        requested, automation_cursor = _requested(defs, instance, automation_cursor)
        assert requested == []
