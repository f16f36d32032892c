"""Alert episodes of a replay: when each began and ended, its peak, and what was sent."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from agent_monitor.lib.alerting.catalogue import CATALOGUE
from agent_monitor.lib.backtest.replay import Tick


@dataclass
class Episode:
    """One (rule, scope) episode as the replayed sensor saw it."""

    rule: str
    scope_key: str
    agent_id: str
    scope: str
    episode: int
    first_seen: datetime
    first_hour: datetime
    last_breach_hour: datetime
    peak: float | None
    severity: str
    paged_at: datetime | None = None
    repeats: int = 0
    inhibited_by: str | None = None
    silenced_by: str | None = None
    resolved_at: datetime | None = None
    resolve_sent: bool = False

    @property
    def key(self) -> tuple[str, str, int]:
        return self.rule, self.scope_key, self.episode

    @property
    def fate(self) -> str:
        """paged, or why it never was: inhibited or silenced."""
        if self.paged_at is not None:
            return "paged"
        if self.inhibited_by is not None:
            return "inhibited"
        return "silenced" if self.silenced_by is not None else "recorded"

    def observe(self, value: float | None) -> None:
        """Keep the most extreme breaching value (in the rule's direction)."""
        if value is None:
            return
        if self.peak is None or (value > self.peak if CATALOGUE[self.rule].direction == "above"
                                 else value < self.peak):
            self.peak = value


def episodes(ticks: Iterable[Tick], rules: Iterable[str]) -> list[Episode]:
    """The episodes of the given rules, in the order they began."""
    wanted = set(rules)
    found: dict[tuple[str, str, int], Episode] = {}
    for tick in ticks:
        for decision in tick.decisions:
            row, status = decision.change.row, decision.evaluation.status
            if row is None or row.rule not in wanted:
                continue
            hour = decision.health_row["hour"]
            episode = found.get((row.rule, row.scope_key, row.episode))
            if episode is None:
                episode = found.setdefault((row.rule, row.scope_key, row.episode), Episode(
                    rule=row.rule, scope_key=row.scope_key, agent_id=row.agent_id,
                    scope=decision.health_row["scope"] or "", episode=row.episode,
                    first_seen=row.first_seen, first_hour=hour, last_breach_hour=hour,
                    peak=None, severity=row.severity))
            if status.breaching:
                episode.last_breach_hour = hour
                episode.observe(status.value)
                if status.status == "critical":
                    episode.severity = "critical"
                # Why a breach was not sent; at the resolution it no longer matters.
                episode.inhibited_by = episode.inhibited_by or row.inhibited_by
                episode.silenced_by = episode.silenced_by or row.silenced_by
            note = decision.change.notification
            if note is not None and note.kind == "fire" and episode.paged_at is None:
                episode.paged_at = tick.now
            elif note is not None and note.kind == "repeat":
                episode.repeats += 1
            if decision.change.action == "resolve":
                episode.resolved_at = tick.now
                episode.resolve_sent = note is not None
    return sorted(found.values(), key=lambda e: (e.first_seen, e.rule, e.scope_key))
