"""The one hourly partitioning every table uses, and the late-data automation rule."""

from datetime import datetime, timedelta
from typing import Any

import dagster as dg

from agent_monitor.lib.config import ConfigError, PartitionSettings, load_config


def configured_start() -> datetime:
    """`partitions.start` of the config file; its default when the file cannot be read (the
    resources that load the config then report what is wrong with it)."""
    try:
        return load_config().partitions.start_hour()
    except ConfigError:
        return PartitionSettings().start_hour()


PARTITIONS_START = configured_start()

# end_offset=1: the current, still-filling hour exists as a partition, so it can be built
# and then rebuilt as its events arrive.
hourly_partitions = dg.HourlyPartitionsDefinition(
    start_date=PARTITIONS_START, timezone="UTC", end_offset=1
)

# Build a partition whenever any partition it reads is updated: new hours when their first
# events land, late events for an hour already built, and, through the same rule one level
# down, everything derived from them — past hours too, unlike `eager()`. An hour that comes
# into existence with nothing updated yet (the next hour, whose look-back reads the current
# one) is built once it exists if any input exists; that test only looks at the newest hours
# (NEW_HOURS_WINDOW), because over every hour since PARTITIONS_START it costs the automation
# sensor seconds per tick, and older hours need it not: every hour that had events, or had
# them in its 24-hour look-back, is reported updated when it ends (raw_events_update_sensor).
# It does not wait for every input partition to exist: an hour without events has no rows.
NEW_HOURS_WINDOW = timedelta(hours=48)

#
# `any_deps_updated()` is not wrapped in `since_last_handled()`: that resets when the hour's
# own last run finishes, and a run that finishes between two evaluations while more events for
# its hour land would have the reset and the update fall on the same evaluation, where the
# reset wins and the update is lost (the hour keeps what it was built from). It needs no
# memory either: it is true only on the evaluation that sees the update.
rebuild_when_inputs_change = (
    (
        dg.AutomationCondition.any_deps_updated()
        | (
            dg.AutomationCondition.in_latest_time_window(NEW_HOURS_WINDOW)
            & dg.AutomationCondition.missing()
            & dg.AutomationCondition.any_deps_match(~dg.AutomationCondition.missing())
        ).since_last_handled()
    )
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
