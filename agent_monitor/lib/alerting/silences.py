"""Why a breaching alert is recorded but not sent: silences and upstream inhibition."""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from fnmatch import fnmatchcase

# Firing alerts of these rules make their agent a root for the agents downstream of it.
ROOT_RULES: frozenset[str] = frozenset({"c2_cascade_risk", "m6_recovery_time"})
# Alerts of these rules are inhibited on agents downstream of a firing root.
INHIBITED_RULES: frozenset[str] = frozenset({"m5_workflow_completion", "m6_recovery_time"})


@dataclass(frozen=True)
class Silence:
    """A matcher on rule and agent (shell-style globs), an end time, a reason and an author."""

    silence_id: str
    ends_at: datetime
    reason: str
    author: str
    rule: str = "*"
    agent: str = "*"
    starts_at: datetime | None = None

    def matches(self, rule: str, agents: Iterable[str], now: datetime) -> bool:
        """True while active and when the rule and any of the scope's agents match."""
        if now >= self.ends_at or (self.starts_at is not None and now < self.starts_at):
            return False
        return fnmatchcase(rule, self.rule) and any(fnmatchcase(a, self.agent) for a in agents)


def active_silence(
    silences: Iterable[Silence], rule: str, agents: Iterable[str], now: datetime
) -> Silence | None:
    """The matching silence that ends last (so the record names the one that holds longest)."""
    agent_list = tuple(agents)
    matching = [s for s in silences if s.matches(rule, agent_list, now)]
    return max(matching, key=lambda s: (s.ends_at, s.silence_id)) if matching else None


@dataclass(frozen=True)
class Inhibition:
    """Firing root agents and the topology: agent -> the agents directly upstream of it."""

    firing_roots: frozenset[str] = frozenset()
    upstream_of: Mapping[str, Collection[str]] = field(default_factory=dict)

    def ancestors(self, agent_id: str) -> frozenset[str]:
        """Every agent transitively upstream of agent_id (cycle-safe)."""
        seen: set[str] = set()
        frontier = list(self.upstream_of.get(agent_id, ()))
        while frontier:
            agent = frontier.pop()
            if agent not in seen:
                seen.add(agent)
                frontier.extend(self.upstream_of.get(agent, ()))
        seen.discard(agent_id)
        return frozenset(seen)

    def inhibitor(self, rule: str, agent_id: str) -> str | None:
        """The upstream root that inhibits this alert, or None.

        A root on a cycle with the agent does not inhibit it: otherwise two agents that feed
        each other would silence each other and nobody would be paged.
        """
        if rule not in INHIBITED_RULES:
            return None
        for root in sorted(self.ancestors(agent_id) & self.firing_roots):
            if agent_id not in self.ancestors(root):
                return root
        return None


def firing_roots(firing: Iterable[tuple[str, str]]) -> frozenset[str]:
    """Root agents from (rule, agent_id) of firing alerts (for C2 the upstream agent)."""
    return frozenset(agent for rule, agent in firing if rule in ROOT_RULES)
