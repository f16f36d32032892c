"""Everything Dagster loads: the definitions of each stage under `defs/`, merged."""

import dagster as dg

from agent_monitor.defs.loader import load_stage_definitions
from agent_monitor.defs.resources import Clock, MonitorSettings, Warehouse

defs = dg.Definitions.merge(
    load_stage_definitions(),
    dg.Definitions(resources={"warehouse": Warehouse(), "settings": MonitorSettings(), "clock": Clock()}),
)
