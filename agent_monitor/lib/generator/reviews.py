"""Human verdicts for the responses the review sampler would pick (SPEC §5)."""

from __future__ import annotations

import random

from agent_monitor.lib.config import ReviewSettings
from agent_monitor.lib.generator.clock import HOUR_MS, IdMaker
from agent_monitor.lib.generator.sink import EventSink
from agent_monitor.lib.sampling import inclusion_probability, sampling_u

REVIEWERS = ("ana.k", "ben.o", "chen.l", "dara.m", "eli.r")
UNVERIFIABLE_RATE = 0.03
MIN_DELAY_H, MAX_DELAY_H, MEAN_EXTRA_DELAY_H = 1.0, 48.0, 8.0


def review_delay_ms(rng: random.Random) -> int:
    """1 h plus an exponential wait (mean 8 h), capped at 48 h."""
    hours = min(MAX_DELAY_H, MIN_DELAY_H + rng.expovariate(1 / MEAN_EXTRA_DELAY_H))
    return int(hours * HOUR_MS)


def add_reviews(rng: random.Random, ids: IdMaker, settings: ReviewSettings, sink: EventSink) -> int:
    """Add a review for every candidate with u < π; reviews may land after the period's end."""
    added = 0
    for candidate in sink.reviewable:
        inclusion = inclusion_probability(
            settings,
            confidence=candidate.confidence,
            decision_path=candidate.decision_path,
            shadow_disagreement=candidate.shadow_disagreement,
            has_flags=candidate.has_flags,
        )
        if sampling_u(settings.salt, candidate.event_id) >= inclusion.probability:
            continue
        if rng.random() < UNVERIFIABLE_RATE:
            verdict = "unverifiable"
        else:
            verdict = "correct" if candidate.correct else "incorrect"
        sink.add(
            candidate.ts_ms + review_delay_ms(rng),
            ids.next("rev"),
            {
                "event_type": "review",
                "target_event_id": candidate.event_id,
                "verdict": verdict,
                "reviewer": rng.choice(REVIEWERS),
            },
        )
        added += 1
    return added
