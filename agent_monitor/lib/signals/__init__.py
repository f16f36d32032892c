"""Predictive signals P1–P3 and the text proxies behind P2 (SPEC §4)."""

from agent_monitor.lib.signals.drift import DriftResult, confidence_drift
from agent_monitor.lib.signals.entropy import SpikeResult, baseline_spike, response_entropy
from agent_monitor.lib.signals.proxies import HEDGING_PHRASES, hedging_rate, repeated_trigram_rate
from agent_monitor.lib.signals.turns import (
    HourTurns,
    hour_turns,
    session_active_minutes,
    turn_acceleration,
    turn_rate,
)

__all__ = [
    "HEDGING_PHRASES",
    "DriftResult",
    "HourTurns",
    "SpikeResult",
    "baseline_spike",
    "confidence_drift",
    "hedging_rate",
    "hour_turns",
    "repeated_trigram_rate",
    "response_entropy",
    "session_active_minutes",
    "turn_acceleration",
    "turn_rate",
]
