"""A live replay: a generated log fed into the landing folder in arrival order on a simulated
clock, with the production sensors, automation and alert delivery ticking as they would."""

from agent_monitor.replay.live import ReplayResult, ReplaySettings, run_replay

__all__ = ["ReplayResult", "ReplaySettings", "run_replay"]
