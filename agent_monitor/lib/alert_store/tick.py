"""One alert tick: evaluate the latest health, record alerts and the outbox, then deliver."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from sqlalchemy import Engine

from agent_monitor.lib.alert_store import outbox
from agent_monitor.lib.alert_store.alerts import load_current, save_transition
from agent_monitor.lib.alert_store.evaluations import build_message
from agent_monitor.lib.alert_store.health import latest_health, upstream_map
from agent_monitor.lib.alert_store.silences import active_silences
from agent_monitor.lib.alerting.delivery import DeliveryResult, SlackNotifier
from agent_monitor.lib.alerting.evaluation import decide_tick
from agent_monitor.lib.alerting.rules import RuleSet
from agent_monitor.lib.config import MonitorConfig

Recorder = Callable[[Engine, outbox.PendingNotification, DeliveryResult, datetime], None]


@dataclass
class DeliveryReport:
    """What the delivery half of a tick did."""

    delivered: list[str] = field(default_factory=list)
    undelivered: dict[str, str] = field(default_factory=dict)  # key -> reason
    left_for_next_tick: int = 0


@dataclass
class TickReport:
    """What one tick did: transitions by action, notifications queued, deliveries."""

    actions: Counter[str] = field(default_factory=Counter)
    queued: list[str] = field(default_factory=list)
    delivery: DeliveryReport = field(default_factory=DeliveryReport)

    def summary(self) -> str:
        """One line for the sensor log."""
        acts = ", ".join(f"{n} {a}" for a, n in sorted(self.actions.items()) if a != "none")
        return (f"transitions: {acts or 'none'}; queued {len(self.queued)}; delivered "
                f"{len(self.delivery.delivered)}; undelivered {len(self.delivery.undelivered)}")


def evaluate_and_record(
    engine: Engine, config: MonitorConfig, now: datetime, as_of: datetime | None = None
) -> TickReport:
    """Evaluate every (rule, scope) row of each agent's latest hour; write alerts and outbox.

    Everything is written in one transaction, before anything is sent. `as_of` replays the
    past: hours from `as_of` on are ignored.
    """
    rules = RuleSet.from_config(config)
    repeat = timedelta(hours=config.slack.repeat_interval_hours)
    report = TickReport()
    with engine.begin() as connection:
        decisions = decide_tick(
            latest_health(connection, as_of), load_current(connection), rules, now,
            silences=active_silences(connection, now),
            topology=lambda until: upstream_map(connection, until), repeat_interval=repeat,
        )
        for decision in decisions:
            change, row = decision.change, decision.health_row
            report.actions[change.action] += 1
            save_transition(connection, change, row["scope"] or "", row["hour"], now)
            note = change.notification
            if note is not None and change.row is not None:
                message = build_message(connection, note, decision.evaluation, row, rules,
                                        config.links, change.row.first_seen)
                if outbox.queue(connection, note, message):
                    report.queued.append(note.idempotency_key)
    return report


def deliver_pending(
    engine: Engine, notifier: SlackNotifier | None, now: datetime, *,
    unavailable: str | None = None, record: Recorder = outbox.record_delivery,
    kinds: tuple[str, ...] | None = ("fire", "repeat", "resolve"),
) -> DeliveryReport:
    """Send what the outbox holds, oldest first; count the attempt before each send.

    Without a notifier (no token, no channel) nothing is sent and every pending alert row
    says why. After a failure that is not permanent the rest waits for the next tick.
    """
    report = DeliveryReport()
    with engine.connect() as connection:
        items = outbox.pending(connection, kinds)
    if notifier is None:
        reason = unavailable or "Slack is not configured"
        outbox.mark_unsendable(engine, items, reason)
        report.undelivered = {item.idempotency_key: reason for item in items}
        return report
    for index, item in enumerate(items):
        outbox.begin_attempt(engine, item, now, notifier.landing_deadline())
        result = notifier.deliver(item.outbound())
        record(engine, item, result, now)
        if result.status == "delivered":
            report.delivered.append(item.idempotency_key)
            continue
        report.undelivered[item.idempotency_key] = result.error or "not delivered"
        if not result.permanent:
            report.left_for_next_tick = len(items) - index - 1
            break
    return report


def run_alert_tick(
    engine: Engine, config: MonitorConfig, now: datetime, notifier: SlackNotifier | None, *,
    unavailable: str | None = None, record: Recorder = outbox.record_delivery,
    as_of: datetime | None = None,
) -> TickReport:
    """The alert sensor's body: evaluate and record, then deliver everything pending."""
    report = evaluate_and_record(engine, config, now, as_of)
    report.delivery = deliver_pending(engine, notifier, now, unavailable=unavailable,
                                      record=record)
    return report
