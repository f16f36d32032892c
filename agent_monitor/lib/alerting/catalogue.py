"""The alert rule catalogue: one rule per metric and signal, with the SPEC §4 defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

Direction = Literal["above", "below"]
Severity = Literal["warning", "critical"]
ScopeKind = Literal["agent", "agent_path", "edge"]

SEVERITIES: tuple[str, ...] = ("warning", "critical")
DEFAULT_CRITICAL_PATHS: tuple[str, ...] = ("approval", "routing", "compliance")
DEFAULT_CONFIDENCE_FLOOR = 0.7


@dataclass(frozen=True)
class RuleDefinition:
    """A rule's fixed shape and default settings."""

    name: str
    metric: str
    title: str
    threshold: float
    direction: Direction
    min_samples: int
    severity: Severity
    scope: ScopeKind
    unit: str
    sample_noun: str
    window_hours: int
    asset_key: str
    threshold_range: tuple[float | None, float | None] = (None, None)
    predictive: bool = False
    options: dict[str, Any] = field(default_factory=dict)


def _rule(**kwargs: Any) -> RuleDefinition:
    return RuleDefinition(**kwargs)


CATALOGUE: dict[str, RuleDefinition] = {
    rule.name: rule
    for rule in (
        _rule(name="m1_confidence_divergence", metric="M1",
              title="Confidence–accuracy divergence", threshold=0.10, direction="above",
              min_samples=30, severity="critical", scope="agent", unit="ratio",
              sample_noun="reviewed responses", window_hours=24,
              asset_key="agent_metrics_hourly", threshold_range=(0.0, 1.0)),
        _rule(name="m2_context_coherence", metric="M2", title="Context coherence ratio",
              threshold=0.3, direction="below", min_samples=20, severity="warning",
              scope="agent", unit="ratio", sample_noun="late responses (turn ≥ 50)",
              window_hours=24, asset_key="session_coherence", threshold_range=(0.0, None)),
        _rule(name="m3_decision_disagreement", metric="M3",
              title="Decision disagreement rate", threshold=0.15, direction="above",
              min_samples=20, severity="warning", scope="agent_path", unit="ratio",
              sample_noun="shadow pairs", window_hours=24,
              asset_key="decision_consistency_hourly", threshold_range=(0.0, 1.0),
              options={"critical_paths": DEFAULT_CRITICAL_PATHS}),
        _rule(name="m4_hallucination_rate", metric="M4", title="Hallucination flag rate",
              threshold=0.02, direction="above", min_samples=100, severity="warning",
              scope="agent", unit="ratio", sample_noun="primary responses", window_hours=1,
              asset_key="agent_metrics_hourly", threshold_range=(0.0, 1.0)),
        _rule(name="m5_workflow_completion", metric="M5", title="Workflow completion rate",
              threshold=0.90, direction="below", min_samples=10, severity="warning",
              scope="agent", unit="ratio", sample_noun="ended workflow runs", window_hours=1,
              asset_key="agent_metrics_hourly", threshold_range=(0.0, 1.0)),
        _rule(name="m6_recovery_time", metric="M6", title="Recovery time (MTTR)",
              threshold=300.0, direction="above", min_samples=1, severity="critical",
              scope="agent", unit="s", sample_noun="incidents (recovered or open)",
              window_hours=1, asset_key="agent_metrics_hourly", threshold_range=(0.0, None)),
        _rule(name="m7_escalation_rate", metric="M7", title="User escalation rate",
              threshold=0.08, direction="above", min_samples=100, severity="warning",
              scope="agent", unit="ratio", sample_noun="sessions", window_hours=24,
              asset_key="agent_metrics_hourly", threshold_range=(0.0, 1.0)),
        _rule(name="p1_confidence_drift", metric="P1", title="Confidence drift velocity",
              threshold=-0.05, direction="below", min_samples=4, severity="warning",
              scope="agent", unit="/h", sample_noun="hours with ≥ 20 responses",
              window_hours=6, asset_key="drift_signals_hourly", predictive=True,
              options={"confidence_floor": DEFAULT_CONFIDENCE_FLOOR}),
        _rule(name="p2_entropy_shift", metric="P2", title="Output entropy shift",
              threshold=2.0, direction="above", min_samples=24, severity="warning",
              scope="agent", unit="sigma", sample_noun="baseline hours with data",
              window_hours=168, asset_key="drift_signals_hourly", predictive=True,
              threshold_range=(0.0, None)),
        _rule(name="p3_turn_acceleration", metric="P3", title="Turn acceleration",
              threshold=1.5, direction="above", min_samples=24, severity="warning",
              scope="agent", unit="x", sample_noun="baseline hours with data",
              window_hours=168, asset_key="drift_signals_hourly", predictive=True,
              threshold_range=(0.0, None)),
        _rule(name="c2_cascade_risk", metric="C2", title="Cascade correlation",
              threshold=0.7, direction="above", min_samples=8, severity="critical",
              scope="edge", unit="r", sample_noun="15-minute buckets", window_hours=24,
              asset_key="cascade_correlations", threshold_range=(-1.0, 1.0),
              options={"max_p_value": 0.05}),
    )
}

RULE_NAMES: tuple[str, ...] = tuple(CATALOGUE)

# The seven metrics shown per agent in the digest, in SPEC order.
DIGEST_RULES: tuple[str, ...] = RULE_NAMES[:7]
