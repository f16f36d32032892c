"""Everything Dagster loads: the definitions of each stage under `defs/`, merged."""

import dagster as dg

from agent_monitor.defs.loader import load_stage_definitions
from agent_monitor.defs.resources import Clock, MonitorSettings, Warehouse
from agent_monitor.lib.config import load_config

# The configuration is checked as the definitions load, so a bad key fails loading (and
# `dagster definitions validate`) with the one-line message that names it, not every tick.
load_config()

defs = dg.Definitions.merge(
    load_stage_definitions(),
    dg.Definitions(resources={"warehouse": Warehouse(), "settings": MonitorSettings(), "clock": Clock()}),
)
