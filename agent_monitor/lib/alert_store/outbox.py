"""The outbox: notifications written before they are sent, then marked with the result."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Engine, insert, select, update

from agent_monitor.lib.alert_store.alerts import mark_delivery
from agent_monitor.lib.alerting.blocks import SlackMessage
from agent_monitor.lib.alerting.delivery import DeliveryResult, OutboundMessage
from agent_monitor.lib.alerting.lifecycle import Notification
from agent_monitor.lib.warehouse.tables_alerting import alert_notifications as outbox


@dataclass(frozen=True)
class PendingNotification:
    """An undelivered outbox row: what to send and how often it was tried."""

    idempotency_key: str
    rule: str
    scope_key: str
    episode: int
    kind: str
    created_at: datetime
    text: str
    blocks: list[dict[str, Any]]
    attempts: int
    post_may_land_until: datetime | None = None

    def outbound(self) -> OutboundMessage:
        """The message for SlackNotifier.deliver (previous_attempts = tries so far)."""
        until = self.post_may_land_until
        return OutboundMessage(self.idempotency_key, self.created_at.replace(tzinfo=UTC),
                               self.text, list(self.blocks), previous_attempts=self.attempts,
                               may_land_until=until.replace(tzinfo=UTC).timestamp() if until else None)


def queue(
    connection: Connection, note: Notification, message: SlackMessage, kind: str | None = None
) -> bool:
    """Write a notification with its message; False when the key is already queued."""
    found = connection.execute(select(outbox.c.idempotency_key).where(
        outbox.c.idempotency_key == note.idempotency_key)).first()
    if found is not None:
        return False
    connection.execute(insert(outbox), [{
        "idempotency_key": note.idempotency_key, "rule": note.rule, "scope_key": note.scope_key,
        "episode": note.episode, "agent_id": note.agent_id, "kind": kind or note.kind,
        "sequence": note.sequence, "created_at": note.created_at, "severity": note.severity,
        "value": note.value, "threshold": note.threshold, "reason": note.reason,
        "text": message.text, "blocks": message.blocks, "status": "pending", "attempts": 0,
    }])
    return True


def pending(
    connection: Connection, kinds: tuple[str, ...] | None = None
) -> list[PendingNotification]:
    """Undelivered notifications, oldest first (optionally only some kinds)."""
    query = select(outbox).where(outbox.c.status == "pending")
    if kinds is not None:
        query = query.where(outbox.c.kind.in_(kinds))
    query = query.order_by(outbox.c.created_at, outbox.c.idempotency_key)
    return [
        PendingNotification(
            r["idempotency_key"], r["rule"], r["scope_key"], r["episode"], r["kind"],
            r["created_at"], r["text"], list(r["blocks"] or []), r["attempts"],
            r["post_may_land_until"],
        )
        for r in connection.execute(query).mappings()
    ]


def begin_attempt(
    engine: Engine, item: PendingNotification, now: datetime, may_land_until: float | None = None
) -> PendingNotification:
    """Commit attempts + 1 before sending, so a crash after the send is known to the next tick.

    `may_land_until` (epoch seconds) bounds when the sends about to start could still land.
    """
    values: dict[str, Any] = {"attempts": outbox.c.attempts + 1, "last_attempt_at": now}
    if may_land_until is not None:
        values["post_may_land_until"] = _wall(may_land_until)
    with engine.begin() as connection:
        connection.execute(update(outbox).where(
            outbox.c.idempotency_key == item.idempotency_key,
        ).values(**values))
    return item


def _wall(epoch: float | None) -> datetime | None:
    return None if epoch is None else datetime.fromtimestamp(epoch, UTC).replace(tzinfo=None)


def record_delivery(
    engine: Engine, item: PendingNotification, result: DeliveryResult, now: datetime
) -> None:
    """Write the result on the outbox row and mirror it onto the alert row."""
    # begin_attempt counted one try; the notifier may have posted more than once in the tick.
    attempts = item.attempts + max(result.attempts, 1)
    delivered = result.status == "delivered"
    with engine.begin() as connection:
        connection.execute(update(outbox).where(
            outbox.c.idempotency_key == item.idempotency_key,
        ).values(
            status="delivered" if delivered else "pending", attempts=attempts,
            last_error=result.error, permanent_error=result.permanent,
            delivered_at=now if delivered else None, slack_channel=result.channel,
            slack_ts=result.ts, already_posted=result.already_posted,
            post_may_land_until=None if delivered else _wall(result.may_land_until),
        ))
        alert_values: dict[str, Any] = {
            "delivery_status": "delivered" if delivered else "undelivered",
            "delivery_attempts": attempts, "delivery_error": result.error,
        }
        if delivered:
            alert_values["slack_ts"] = result.ts
        mark_delivery(connection, item.rule, item.scope_key, item.episode, **alert_values)


def mark_unsendable(engine: Engine, items: list[PendingNotification], reason: str) -> None:
    """Slack is not configured: keep the notifications pending and say why on the alert rows."""
    with engine.begin() as connection:
        for item in items:
            connection.execute(update(outbox).where(
                outbox.c.idempotency_key == item.idempotency_key).values(last_error=reason))
            mark_delivery(connection, item.rule, item.scope_key, item.episode,
                          delivery_status="undelivered", delivery_error=reason)
