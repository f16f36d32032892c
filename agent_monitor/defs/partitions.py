"""The one hourly partitioning every table uses, and the late-data automation rule."""

from typing import Any

import dagster as dg

PARTITIONS_START = "2024-01-01-00:00"

# end_offset=1: the current, still-filling hour exists as a partition, so it can be built
# and then rebuilt as its events arrive.
hourly_partitions = dg.HourlyPartitionsDefinition(
    start_date=PARTITIONS_START, timezone="UTC", end_offset=1
)

# Build a partition once any partition it reads exists, and rebuild it whenever any partition
# it reads is updated: new hours appear when their first events land, and late events for an
# hour already built rebuild that hour and, through the same rule one level down, everything
# derived from it. Unlike `eager()`, this is not limited to the latest time window, because
# late data is about past hours; and it does not wait for every input partition to exist,
# because an hour without events simply has no rows.
rebuild_when_inputs_change = (
    (
        dg.AutomationCondition.any_deps_updated()
        | (
            dg.AutomationCondition.missing()
            & dg.AutomationCondition.any_deps_match(~dg.AutomationCondition.missing())
        )
    ).since_last_handled()
    & ~dg.AutomationCondition.any_deps_in_progress()
    & ~dg.AutomationCondition.in_progress()
).with_label("rebuild_when_inputs_change")

# A single run per backfill: assets handle a whole time window in one pass.
single_run_backfill = dg.BackfillPolicy.single_run()


def hourly_table(group_name: str) -> dict[str, Any]:
    """The `@dg.asset` arguments every hourly table shares, for the stage (UI group) it is in."""
    return {
        "partitions_def": hourly_partitions,
        "automation_condition": rebuild_when_inputs_change,
        "backfill_policy": single_run_backfill,
        "group_name": group_name,
        "kinds": {"sql"},
    }
