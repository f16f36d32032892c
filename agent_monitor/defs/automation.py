"""The sensor that evaluates every asset's automation condition (late-data rebuilds)."""

import dagster as dg

late_data_automation_sensor = dg.AutomationConditionSensorDefinition(
    "late_data_automation_sensor",
    target=dg.AssetSelection.all(),
    default_status=dg.DefaultSensorStatus.RUNNING,
    minimum_interval_seconds=30,
    description="Rebuilds partitions whose inputs changed: new hours and late data alike.",
)
