"""The review sampler's deterministic rule (SPEC §5).

A primary response is sampled when u < π, where u is the first 8 bytes of
SHA-256(salt ‖ event_id) read as a fraction of 2⁶⁴ and π = min(1, base_rate × boosts).
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection
from dataclasses import dataclass

from agent_monitor.lib.alerting.catalogue import DEFAULT_CRITICAL_PATHS
from agent_monitor.lib.config import ReviewSettings


def sampling_u(salt: str, event_id: str) -> float:
    """The response's uniform draw in [0, 1), reproducible from salt and event_id."""
    digest = hashlib.sha256((salt + event_id).encode("utf-8")).digest()
    return int.from_bytes(digest[:8], "big") / 2**64


@dataclass(frozen=True)
class Inclusion:
    probability: float
    reasons: tuple[str, ...]


def inclusion_probability(
    settings: ReviewSettings,
    *,
    confidence: float | None,
    decision_path: str | None,
    shadow_disagreement: bool,
    has_flags: bool,
    critical_paths: Collection[str] = DEFAULT_CRITICAL_PATHS,
) -> Inclusion:
    """π = min(1, base_rate × boosts) with the reasons that boosted it.

    `critical_paths` is the agent's `rules.m3_decision_disagreement.critical_paths`: one
    setting decides both the sampling boost and which M3 paths alert.
    """
    low_confidence, critical_path = boost_answers(settings, confidence, decision_path, critical_paths)
    return boosted_inclusion(
        settings,
        low_confidence=low_confidence,
        critical_path=critical_path,
        shadow_disagreement=shadow_disagreement,
        has_flags=has_flags,
    )


def boost_answers(
    settings: ReviewSettings, confidence: float | None, decision_path: str | None,
    critical_paths: Collection[str],
) -> tuple[bool, bool]:
    """(low confidence?, critical decision path?) under the threshold and the critical paths."""
    return (
        confidence is not None and confidence < settings.low_confidence_threshold,
        decision_path is not None and decision_path in critical_paths,
    )


def boosted_inclusion(
    settings: ReviewSettings, *, low_confidence: bool, critical_path: bool, shadow_disagreement: bool, has_flags: bool
) -> Inclusion:
    """π from the four yes/no answers that decide it (thresholds already applied)."""
    reasons = ["base"]
    pi = settings.base_rate
    if low_confidence:
        pi *= settings.low_confidence_boost
        reasons.append("low_confidence")
    if critical_path:
        pi *= settings.critical_path_boost
        reasons.append("critical_path")
    if shadow_disagreement:
        pi *= settings.shadow_disagreement_boost
        reasons.append("shadow_disagreement")
    if has_flags:
        pi *= settings.flag_boost
        reasons.append("validator_flag")
    return Inclusion(probability=min(1.0, pi), reasons=tuple(reasons))
