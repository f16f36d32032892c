"""Alert lifecycle: pure transitions of one `alerts` row per (rule, scope) and episode."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from typing import Literal

from agent_monitor.lib.alerting.rules import RuleStatus
from agent_monitor.lib.alerting.silences import Inhibition, Silence, active_silence

DEFAULT_REPEAT_INTERVAL = timedelta(hours=4)

AlertState = Literal["firing", "resolved"]
NotificationKind = Literal["fire", "repeat", "resolve"]
Action = Literal[
    "none", "fire", "still_firing", "repeat", "resolve", "inhibited", "silenced", "hold"
]


@dataclass(frozen=True)
class AlertScope:
    """What an alert is about: an agent, an agent's decision path, or an edge U -> D."""

    agent_id: str
    decision_path: str | None = None
    downstream_agent: str | None = None

    @property
    def key(self) -> str:
        """The scope half of the alert key, e.g. `agent=billing;path=approval`."""
        if self.downstream_agent is not None:
            return f"edge={self.agent_id}->{self.downstream_agent}"
        if self.decision_path is not None:
            return f"agent={self.agent_id};path={self.decision_path}"
        return f"agent={self.agent_id}"

    @property
    def agents(self) -> tuple[str, ...]:
        """The agents a silence matcher is checked against."""
        if self.downstream_agent is not None:
            return (self.agent_id, self.downstream_agent)
        return (self.agent_id,)


def alert_key(rule: str, scope: AlertScope) -> str:
    """The alert key (rule, scope) as one string."""
    return f"{rule}:{scope.key}"


@dataclass(frozen=True)
class Evaluation:
    """The current verdict of one rule on one scope."""

    rule: str
    scope: AlertScope
    status: RuleStatus


@dataclass(frozen=True)
class AlertRow:
    """One row of the `alerts` table: an episode of an alert key."""

    rule: str
    scope_key: str
    agent_id: str
    episode: int
    state: AlertState
    severity: str
    value: float | None
    threshold: float
    reason: str
    first_seen: datetime
    last_seen: datetime
    resolved_at: datetime | None = None
    notified_at: datetime | None = None
    notified_severity: str | None = None
    notification_seq: int = 0
    inhibited_by: str | None = None
    silenced_by: str | None = None

    @property
    def alert_key(self) -> str:
        """The (rule, scope) key as one string."""
        return f"{self.rule}:{self.scope_key}"


@dataclass(frozen=True)
class Notification:
    """An outbox entry: one message to deliver exactly once, identified by its key."""

    idempotency_key: str
    rule: str
    scope_key: str
    agent_id: str
    episode: int
    kind: NotificationKind
    sequence: int
    created_at: datetime
    severity: str
    value: float | None
    threshold: float
    reason: str


@dataclass(frozen=True)
class Transition:
    """What happened, the row to write (None: nothing to write) and what to send."""

    action: Action
    row: AlertRow | None
    notification: Notification | None = None


def idempotency_key(row: AlertRow, kind: NotificationKind, sequence: int) -> str:
    """`<rule>:<scope>:<episode>:<kind>:<sequence>`, the same on every re-run of a tick."""
    return f"{row.alert_key}:{row.episode}:{kind}:{sequence}"


def _notify(row: AlertRow, kind: NotificationKind, now: datetime) -> tuple[AlertRow, Notification]:
    sequence = row.notification_seq + 1
    note = Notification(
        idempotency_key=idempotency_key(row, kind, sequence), rule=row.rule,
        scope_key=row.scope_key, agent_id=row.agent_id, episode=row.episode, kind=kind,
        sequence=sequence, created_at=now, severity=row.severity, value=row.value,
        threshold=row.threshold, reason=row.reason,
    )
    if kind == "resolve":
        return replace(row, notification_seq=sequence), note
    return replace(row, notification_seq=sequence, notified_at=now,
                   notified_severity=row.severity), note


def transition(
    previous: AlertRow | None,
    evaluation: Evaluation,
    now: datetime,
    *,
    silences: Iterable[Silence] = (),
    inhibition: Inhibition | None = None,
    repeat_interval: timedelta = DEFAULT_REPEAT_INTERVAL,
) -> Transition:
    """Decide fire / still firing / repeat / resolve / inhibited / silenced / hold."""
    status, scope = evaluation.status, evaluation.scope
    firing_before = previous is not None and previous.state == "firing"
    silence = active_silence(silences, evaluation.rule, scope.agents, now)
    silenced_by = silence.silence_id if silence else None
    inhibited_by = inhibition.inhibitor(evaluation.rule, scope.agent_id) if inhibition else None
    if not status.breaching:
        if previous is None or not firing_before:
            return Transition("none", None)
        if status.status == "no_data" and status.alertable:
            # Missing data neither confirms nor clears a breach: keep the episode open.
            return Transition("hold", None)
        row = replace(
            previous, state="resolved", resolved_at=now, last_seen=now, value=status.value,
            threshold=status.threshold, reason=status.reason, silenced_by=silenced_by,
            inhibited_by=inhibited_by,
        )
        # A page that was sent gets its all-clear even when silenced or inhibited since (or
        # now): whoever was paged is still waiting for it (SPEC §8 "Resolved").
        if previous.notified_at is None:
            return Transition("resolve", row)
        row, note = _notify(row, "resolve", now)
        return Transition("resolve", row, note)
    if previous is not None and firing_before:
        row = replace(
            previous, last_seen=now, severity=status.status, value=status.value,
            threshold=status.threshold, reason=status.reason, silenced_by=silenced_by,
            inhibited_by=inhibited_by,
        )
    else:
        row = AlertRow(
            rule=evaluation.rule, scope_key=scope.key, agent_id=scope.agent_id,
            episode=previous.episode + 1 if previous is not None else 1, state="firing",
            severity=status.status, value=status.value, threshold=status.threshold,
            reason=status.reason, first_seen=now, last_seen=now, silenced_by=silenced_by,
            inhibited_by=inhibited_by,
        )
    if silence is not None:
        return Transition("silenced", row)
    if inhibited_by is not None:
        return Transition("inhibited", row)
    if row.notified_at is None:
        row, note = _notify(row, "fire", now)
        return Transition("fire", row, note)
    escalated = row.notified_severity == "warning" and row.severity == "critical"
    if escalated or now - row.notified_at >= repeat_interval:
        row, note = _notify(row, "repeat", now)
        return Transition("repeat", row, note)
    return Transition("still_firing", row)
