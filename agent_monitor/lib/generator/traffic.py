"""Traffic plans: which sessions start when, with which agent version and length."""

from __future__ import annotations

import random
from dataclasses import dataclass

from agent_monitor.lib.generator.clock import HOUR_MS, IdMaker
from agent_monitor.lib.generator.specs import AgentSpec


@dataclass(frozen=True)
class SessionPlan:
    """A session's identity, start and length, fixed before its turns are simulated."""

    session_id: str
    agent: AgentSpec
    version: str
    start_ms: int
    turns: int
    trace_id: str


def session_length(rng: random.Random, long: bool) -> int:
    """Turns in a session: mostly 2–15, a few 16–40, long sessions 70–110."""
    if long:
        return rng.randint(70, 110)
    if rng.random() < 0.04:
        return rng.randint(16, 40)
    return min(15, 2 + int(rng.expovariate(1 / 4.0)))


def pick_version(rng: random.Random, agent: AgentSpec, progress: float) -> str:
    """The newest version rolls out from 20 % to 80 % of sessions over the period."""
    if len(agent.versions) == 1:
        return agent.versions[0]
    if rng.random() < 0.2 + 0.6 * progress:
        return agent.versions[-1]
    return rng.choice(agent.versions[:-1])


def count_for_hour(rng: random.Random, rate: float) -> int:
    """A whole count with the given mean: the integer part plus one with the fraction's chance."""
    whole = int(rate)
    return whole + (1 if rng.random() < rate - whole else 0)


def plan_sessions(
    rng: random.Random, ids: IdMaker, agent: AgentSpec, start_ms: int, hours: int, scale: float
) -> list[tuple[SessionPlan, bool]]:
    """Every session of the agent over the period, with whether it is a long one."""
    plans = []
    for hour in range(hours):
        hour_ms = start_ms + hour * HOUR_MS
        for long, rate in ((False, agent.sessions_per_hour), (True, agent.long_sessions_per_hour)):
            count = count_for_hour(rng, rate * scale)
            for index in range(count):
                # Long sessions start one per equal slice of the hour, so every hour has some
                # responses past turn 50; short ones start anywhere in the hour.
                offset = int((index + rng.random()) * HOUR_MS / count) if long else rng.randrange(HOUR_MS)
                plan = SessionPlan(
                    session_id=ids.next("ses"),
                    agent=agent,
                    version=pick_version(rng, agent, hour / max(1, hours - 1)),
                    start_ms=hour_ms + offset,
                    turns=session_length(rng, long),
                    trace_id=f"{rng.getrandbits(128):032x}",
                )
                plans.append((plan, long))
    return plans
