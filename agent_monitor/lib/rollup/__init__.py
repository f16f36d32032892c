"""Hourly rollups: read a window's rows from the warehouse, call lib.metrics, write tables."""

from agent_monitor.lib.rollup.build import (
    build_agent_metrics,
    build_decision_consistency,
    build_session_coherence,
)
from agent_monitor.lib.rollup.window import LOOKBACK

__all__ = [
    "LOOKBACK",
    "build_agent_metrics",
    "build_decision_consistency",
    "build_session_coherence",
]
