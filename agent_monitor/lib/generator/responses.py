"""The model-ish parts of an agent response: confidence, logprobs, text and flags."""

from __future__ import annotations

import math
import random

from agent_monitor.lib.generator.incidents import DriftState
from agent_monitor.lib.generator.specs import LOGPROBS_NONE, LOGPROBS_TOP, AgentSpec

HEALTHY_TOP1 = 0.93
DRIFT_TOP1_DROP = 0.28
HEDGES = ("I think", "Possibly", "I'm not sure, but", "It seems", "Perhaps")
VALIDATOR_FLAGS = ("pii_detected", "format_invalid", "policy_tone")
HALLUCINATION_FLAG = "hallucination_unsupported_claim"

_TEMPLATES: dict[str, tuple[str, ...]] = {
    "route": (
        "I am sending your request to the {value} team.",
        "This belongs with {value}; routing it now.",
    ),
    "refund_approval": (
        "The refund request for {fact} is {value}.",
        "Refund decision for {fact}: {value}.",
    ),
    "reply_policy": (
        "Thanks, I have the details for {fact} and will help with that.",
        "Here is what I found about {fact}.",
        "Could you confirm the details for {fact}?",
    ),
    "compliance_check": (
        "Screening result for {fact}: {value}.",
        "The compliance check on {fact} returned {value}.",
    ),
    "": (
        "I found the record {fact} in the system.",
        "Here are the details stored for {fact}.",
        "The lookup for {fact} returned one match.",
    ),
}


def top1_level(rng: random.Random, drift: DriftState | None) -> float:
    """A response's typical top-1 token probability; drift flattens it early."""
    level = HEALTHY_TOP1 - (DRIFT_TOP1_DROP * drift.entropy if drift else 0.0)
    return min(0.995, max(0.3, rng.gauss(level, 0.035)))


def logprob_arrays(rng: random.Random, level: float, with_top: bool) -> tuple[list[float], list[list[float]] | None]:
    """Sampled-token logprobs (8–20 positions) and, if asked, top-3..5 logprobs per position."""
    n = rng.randint(8, 20)
    k = rng.randint(3, 5)
    tokens: list[float] = []
    tops: list[list[float]] = []
    for _ in range(n):
        p1 = min(0.999, max(0.2, rng.gauss(level, 0.05)))
        tokens.append(round(math.log(p1), 3))
        if with_top:
            rest = (1.0 - p1) * rng.uniform(0.7, 0.95)
            weights = sorted((rng.random() + 0.05 for _ in range(k - 1)), reverse=True)
            total = sum(weights)
            probs = [p1] + [rest * w / total for w in weights]
            tops.append([round(math.log(p), 3) for p in sorted(probs, reverse=True)])
    return tokens, (tops if with_top else None)


def confidence_and_logprobs(
    rng: random.Random, agent: AgentSpec, drift: DriftState | None
) -> tuple[float, list[float] | None, list[list[float]] | None]:
    """Confidence plus optional logprob arrays, consistent with the agent's confidence source."""
    tokens: list[float] | None = None
    tops: list[list[float]] | None = None
    if agent.logprobs != LOGPROBS_NONE:
        tokens, tops = logprob_arrays(rng, top1_level(rng, drift), agent.logprobs == LOGPROBS_TOP)
    if agent.confidence_source == "logprob" and tokens:
        confidence = math.exp(sum(tokens) / len(tokens))
        if drift:
            confidence -= drift.confidence_drop
    else:
        mean = agent.base_quality - (drift.confidence_drop if drift else 0.0)
        confidence = rng.gauss(mean, 0.08)
    return round(min(0.99, max(0.02, confidence)), 4), tokens, tops


def hedge_probability(confidence: float, drift: DriftState | None) -> float:
    """Hedging grows as confidence falls and as a drifting model's entropy rises."""
    return min(0.9, 0.03 + 0.4 * max(0.0, 0.7 - confidence) + (0.3 * drift.entropy if drift else 0))


def response_text(
    rng: random.Random,
    decision_name: str,
    value: str | None,
    fact: str,
    hedge: bool,
    repeat: bool,
) -> str:
    """A short reply from the agent's templates, optionally hedged or repeating itself."""
    text = rng.choice(_TEMPLATES.get(decision_name, _TEMPLATES[""]))
    text = text.format(value=value or "", fact=fact)
    if hedge:
        text = f"{rng.choice(HEDGES)} {text[0].lower()}{text[1:]}"
    if repeat:
        text = f"{text} {text}"
    return text


def validator_flags(rng: random.Random, correct: bool, drift: DriftState | None) -> list[str]:
    """Validator findings: hallucination flags mostly on wrong answers, more when drifting."""
    entropy = drift.entropy if drift else 0.0
    p_hallucination = (0.025 + 0.35 * entropy) if not correct else (0.001 + 0.01 * entropy)
    flags = [HALLUCINATION_FLAG] if rng.random() < p_hallucination else []
    if rng.random() < 0.01:
        flags.append(rng.choice(VALIDATOR_FLAGS))
    return flags
