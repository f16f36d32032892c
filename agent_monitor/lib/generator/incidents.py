"""Incident schedules: the drift curve, the context-decay window and cascade burst buckets."""

from __future__ import annotations

import random
from dataclasses import dataclass

from agent_monitor.lib.generator.clock import BUCKET_MS, HOUR_MS, to_ms
from agent_monitor.lib.generator.specs import (
    CASCADE,
    CONTEXT_DECAY,
    HALLUCINATION_DRIFT,
    IncidentSpec,
)

# Hallucination drift, t = hours since the incident began (severity 1):
#   mean confidence falls 0.10/h for 4 h (floor: -0.40), true accuracy falls 0.15/h
#   (floor: -0.70), so the calibration gap is 0.05·t, capped at 0.30 after ~4.7 h;
#   output entropy is fully up after 1 h.
CONFIDENCE_SLOPE, CONFIDENCE_FLOOR = 0.10, 0.40
ACCURACY_SLOPE, ACCURACY_FLOOR = 0.15, 0.70
ENTROPY_RAMP_HOURS = 1.0
# Cascade: bursts of 25–45 % upstream step failures in about half the 15-minute buckets; a
# dependent step after a degraded upstream success fails with 1.5× the burst rate.
BURST_SHARE, BURST_LOW, BURST_HIGH = 0.55, 0.25, 0.45
DOWNSTREAM_GAIN = 1.5


@dataclass(frozen=True)
class DriftState:
    """How far a drifting agent is from healthy at one moment."""

    confidence_drop: float
    accuracy_gap: float
    entropy: float


@dataclass(frozen=True)
class Window:
    start_ms: int
    end_ms: int
    severity: float

    def contains(self, ts_ms: int) -> bool:
        """True when ts falls in [start, end)."""
        return self.start_ms <= ts_ms < self.end_ms


@dataclass(frozen=True)
class CascadeSchedule:
    """An upstream agent failing in bursts; intensity per 15-minute bucket index."""

    upstream: str
    downstream: tuple[str, ...]
    window: Window
    bursts: dict[int, float]

    def intensity(self, ts_ms: int) -> float | None:
        """The upstream failure probability at ts, or None outside the incident."""
        if not self.window.contains(ts_ms):
            return None
        return self.bursts.get((ts_ms - self.window.start_ms) // BUCKET_MS)


def drift_shape(hours_in: float, severity: float = 1.0) -> DriftState:
    """The drift curve at `hours_in` hours after the drift began."""
    conf = min(CONFIDENCE_FLOOR, CONFIDENCE_SLOPE * hours_in)
    acc = min(ACCURACY_FLOOR, ACCURACY_SLOPE * hours_in)
    return DriftState(
        confidence_drop=severity * conf,
        accuracy_gap=severity * max(0.0, acc - conf),
        entropy=min(1.0, severity * hours_in / ENTROPY_RAMP_HOURS),
    )


class IncidentBook:
    """Answers 'is this agent affected now, and how much' for every incident kind."""

    def __init__(self, incidents: tuple[IncidentSpec, ...], seed: int) -> None:
        self._drift: dict[str, list[Window]] = {}
        self._decay: dict[str, list[Window]] = {}
        self.cascades: list[CascadeSchedule] = []
        for index, incident in enumerate(incidents):
            window = Window(to_ms(incident.start), to_ms(incident.end), incident.severity)
            if incident.kind == HALLUCINATION_DRIFT:
                for agent in incident.agents:
                    self._drift.setdefault(agent, []).append(window)
            elif incident.kind == CONTEXT_DECAY:
                for agent in incident.agents:
                    self._decay.setdefault(agent, []).append(window)
            elif incident.kind == CASCADE:
                rng = random.Random(f"{seed}:cascade:{index}")
                n_buckets = -(-(window.end_ms - window.start_ms) // BUCKET_MS)
                bursts = {b: _burst(rng, incident.severity) for b in range(n_buckets)}
                self.cascades.append(CascadeSchedule(incident.agents[0], incident.agents[1:], window, bursts))

    def drift(self, agent_id: str, ts_ms: int) -> DriftState | None:
        """The drift state of the agent at ts, or None when it is not drifting."""
        for window in self._drift.get(agent_id, ()):
            if window.contains(ts_ms):
                return drift_shape((ts_ms - window.start_ms) / HOUR_MS, window.severity)
        return None

    def decay(self, agent_id: str, ts_ms: int) -> float:
        """Context-decay severity (0 = healthy) of the agent at ts."""
        for window in self._decay.get(agent_id, ()):
            if window.contains(ts_ms):
                return min(1.0, window.severity)
        return 0.0

    def upstream_failure(self, agent_id: str, ts_ms: int) -> float | None:
        """The failure probability of the agent's steps when it is a failing cascade upstream."""
        for cascade in self.cascades:
            if cascade.upstream == agent_id:
                level = cascade.intensity(ts_ms)
                if level is not None:
                    return level
        return None

    def downstream_failure(self, upstream: str, downstream: str, ts_ms: int) -> float:
        """Failure probability passed from a degraded upstream step to a listed downstream one."""
        for cascade in self.cascades:
            if cascade.upstream == upstream and downstream in cascade.downstream:
                level = cascade.intensity(ts_ms)
                if level is not None:
                    return min(0.95, DOWNSTREAM_GAIN * level)
        return 0.0


def _burst(rng: random.Random, severity: float) -> float:
    """A bucket's upstream failure rate: a burst (25–45 %) about half the time, else ~4 %."""
    if rng.random() < BURST_SHARE:
        return min(0.95, severity * rng.uniform(BURST_LOW, BURST_HIGH))
    return rng.uniform(0.02, 0.06)
