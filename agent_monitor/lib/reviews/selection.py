"""Which primary responses enter the review queue: the SPEC §5 rule plus the daily minimum.

A response is sampled by the rule when u < π_rule. Then, per agent and UTC day with at least
`daily_minimum` primary responses, the rule's S samples are topped up to `daily_minimum` with
the lowest-u responses the rule left out. Let t be the u of the first left-out response not
taken (1 if every one is taken). Every response of the agent-day then records
π = max(π_rule, t) and is in the sample exactly when u < π (SPEC §8 "Review top-ups"): π is
the response's probability of being sampled given the other responses' draws, so 1/π weights
are unbiased whatever the mix of π_rule in the day (docs/reviews.md).

When the rule alone sampled exactly the minimum, nothing is taken and t is the lowest left-out
u (one sample fewer and that response would have been taken); when it sampled more, no
response's inclusion depended on the top-up and t = 0, so π = π_rule.
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from itertools import product
from typing import Any

from agent_monitor.lib.alerting.catalogue import DEFAULT_CRITICAL_PATHS
from agent_monitor.lib.config import ReviewSettings
from agent_monitor.lib.metrics.consistency import match_shadow_pairs
from agent_monitor.lib.metrics.rows import as_datetime, get, is_primary, str_list
from agent_monitor.lib.sampling import boost_answers, boosted_inclusion, sampling_u

# agent_id -> the agent's critical decision paths (rules.m3_decision_disagreement.critical_paths).
CriticalPaths = Callable[[str], Collection[str]]
DAILY_MINIMUM = "daily_minimum"
# A response reviewed although the current sample leaves it out (e.g. a top-up displaced by
# later responses of its day): kept, so that its verdict still has a π.
REVIEWED_OUTSIDE_SAMPLE = "reviewed_outside_sample"


@dataclass(frozen=True)
class Sampled:
    """One primary response in the queue, before its review status is known."""

    event_id: str
    agent_id: str
    ts: datetime
    u: float
    rule_probability: float
    inclusion_probability: float
    reasons: tuple[str, ...]
    row: Mapping[str, Any]

    @property
    def topped_up(self) -> bool:
        """True when the daily minimum, not the rule, put the response in the queue."""
        return DAILY_MINIMUM in self.reasons


def day_of(ts: datetime) -> datetime:
    """Midnight UTC of the naive-UTC timestamp's day."""
    return ts.replace(hour=0, minute=0, second=0, microsecond=0)


def disagreeing_primaries(primaries: list[Mapping[str, Any]], shadows: Iterable[Mapping[str, Any]]) -> set[str]:
    """Event ids of primaries with a shadow that decides the same name with another value."""
    shadows = list(shadows)
    mirrored = {str(s.get("shadow_of")) for s in shadows}
    candidates = [row for row in primaries if str(row["event_id"]) in mirrored]
    return {p.primary_event_id for p in match_shadow_pairs(candidates, shadows) if not p.agree}


def rule_samples(
    primaries: Iterable[Mapping[str, Any]],
    shadows: Iterable[Mapping[str, Any]],
    settings: ReviewSettings,
    critical_paths: CriticalPaths | None = None,
) -> tuple[list[Sampled], list[Sampled]]:
    """(sampled, not sampled) by the rule u < π, each response with its u and π."""
    resolve = critical_paths or default_critical_paths
    paths: dict[str, Collection[str]] = {}

    def paths_of(agent: str) -> Collection[str]:  # resolved once per agent, not per response
        if agent not in paths:
            paths[agent] = resolve(agent)
        return paths[agent]

    rows = [row for row in primaries if is_primary(row)]
    disagreeing = disagreeing_primaries(rows, shadows)
    sampled: list[Sampled] = []
    left_out: list[Sampled] = []
    # π depends on four yes/no answers only: computed once per combination.
    inclusions = {
        answers: boosted_inclusion(settings, low_confidence=answers[0], critical_path=answers[1],
                                   shadow_disagreement=answers[2], has_flags=answers[3])
        for answers in product((False, True), repeat=4)
    }
    for row in rows:
        event_id = str(row["event_id"])
        low_confidence, critical_path = boost_answers(
            settings, get(row, "confidence"), get(row, "decision_path"), paths_of(str(row["agent_id"])))
        inclusion_of_row = inclusions[
            (low_confidence, critical_path, event_id in disagreeing, bool(str_list(get(row, "flags"))))
        ]
        item = Sampled(
            event_id=event_id,
            agent_id=str(row["agent_id"]),
            ts=as_datetime(row["ts"]),
            u=sampling_u(settings.salt, event_id),
            rule_probability=inclusion_of_row.probability,
            inclusion_probability=inclusion_of_row.probability,
            reasons=inclusion_of_row.reasons,
            row=row,
        )
        (sampled if item.u < item.rule_probability else left_out).append(item)
    return sampled, left_out


def select_queue(
    primaries: Iterable[Mapping[str, Any]],
    shadows: Iterable[Mapping[str, Any]],
    settings: ReviewSettings,
    reviewed: frozenset[str] | set[str] = frozenset(),
    critical_paths: CriticalPaths | None = None,
) -> list[Sampled]:
    """The queue: rule samples, daily-minimum top-ups, and responses reviewed regardless."""
    sampled, left_out = rule_samples(primaries, shadows, settings, critical_paths)
    groups: dict[tuple[str, datetime], tuple[list[Sampled], list[Sampled]]] = defaultdict(lambda: ([], []))
    for item in sampled:
        groups[(item.agent_id, item.ts.date())][0].append(item)
    for item in left_out:
        groups[(item.agent_id, item.ts.date())][1].append(item)
    queue: list[Sampled] = []
    for key in sorted(groups):
        queue += top_up(*groups[key], daily_minimum=settings.daily_minimum, reviewed=reviewed)
    return sorted(queue, key=lambda item: (item.ts, item.event_id))


def top_up_threshold(n_sampled: int, left_out: list[Sampled], daily_minimum: int) -> float:
    """t of an agent-day: the u of the first left-out response the top-up does not take.

    0 when no sampled response's inclusion depends on the top-up: the day has fewer
    responses than the minimum, or the rule alone sampled more than the minimum.
    """
    if n_sampled + len(left_out) < daily_minimum or n_sampled > daily_minimum:
        return 0.0
    rank = daily_minimum - n_sampled  # how many are taken; the next one sets t
    if rank >= len(left_out):
        return 1.0
    return heapq.nsmallest(rank + 1, left_out, key=_draw_order)[rank].u


def top_up(
    sampled: list[Sampled],
    left_out: list[Sampled],
    *,
    daily_minimum: int,
    reviewed: frozenset[str] | set[str] = frozenset(),
) -> list[Sampled]:
    """One agent-day's queue: the rule's samples, topped up by lowest u to the minimum.

    Every item records π = max(π_rule, t); the taken top-ups are exactly the left-out
    responses with u < t. A reviewed response that the sample leaves out stays, with its π.
    """
    t = top_up_threshold(len(sampled), left_out, daily_minimum)
    queue = [replace(item, inclusion_probability=max(item.rule_probability, t)) for item in sampled]
    for item in left_out:
        if item.u < t:
            extra: tuple[str, ...] = (DAILY_MINIMUM,)
        elif item.event_id in reviewed:
            extra = (REVIEWED_OUTSIDE_SAMPLE,)
        else:
            continue
        queue.append(replace(item, inclusion_probability=max(item.rule_probability, t),
                             reasons=(*item.reasons, *extra)))
    return queue


def default_critical_paths(agent_id: str) -> Collection[str]:
    return DEFAULT_CRITICAL_PATHS


def _draw_order(item: Sampled) -> tuple[float, str]:
    return item.u, item.event_id


def expires_at(ts: datetime, settings: ReviewSettings) -> datetime:
    """When a still-unreviewed item stops being worth reviewing: ts + expiry_days."""
    return ts + timedelta(days=settings.expiry_days)
