"""Load and save `alerts` rows (one per alert key × episode) as lifecycle `AlertRow`s."""

from __future__ import annotations

from dataclasses import asdict, fields
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, select, update

from agent_monitor.lib.alerting.lifecycle import AlertRow, Transition
from agent_monitor.lib.warehouse.tables_alerting import alerts

ROW_FIELDS: tuple[str, ...] = tuple(f.name for f in fields(AlertRow))
# Actions whose row says something new about delivery.
SUPPRESSED = {"silenced": "silenced", "inhibited": "inhibited"}


def to_alert_row(record: Any) -> AlertRow:
    """An `alerts` row (mapping) as the lifecycle's AlertRow."""
    return AlertRow(**{name: record[name] for name in ROW_FIELDS})


def load_current(connection: Connection) -> dict[tuple[str, str], AlertRow]:
    """The newest episode of every alert key: {(rule, scope_key): AlertRow}."""
    newest = (
        select(alerts.c.rule, alerts.c.scope_key, func.max(alerts.c.episode).label("episode"))
        .group_by(alerts.c.rule, alerts.c.scope_key)
        .subquery()
    )
    query = select(alerts).join(newest, and_(
        alerts.c.rule == newest.c.rule, alerts.c.scope_key == newest.c.scope_key,
        alerts.c.episode == newest.c.episode))
    return {(r["rule"], r["scope_key"]): to_alert_row(r)
            for r in connection.execute(query).mappings()}


def save_transition(
    connection: Connection, change: Transition, scope: str, hour: datetime | None,
    now: datetime,
) -> None:
    """Insert or update the transition's row; set the delivery status the action implies."""
    row = change.row
    if row is None:
        return
    values: dict[str, Any] = {**asdict(row), "alert_key": row.alert_key, "scope": scope,
                              "hour": hour, "last_action": change.action, "updated_at": now}
    if change.notification is not None:
        values.update(delivery_status="pending", delivery_attempts=0, delivery_error=None)
    elif change.action in SUPPRESSED:
        values.update(delivery_status=SUPPRESSED[change.action], delivery_error=None)
    where = and_(alerts.c.rule == row.rule, alerts.c.scope_key == row.scope_key,
                 alerts.c.episode == row.episode)
    exists = connection.execute(select(alerts.c.episode).where(where)).first()
    if exists is None:
        values.setdefault("delivery_status", "none")
        connection.execute(insert(alerts), [values])
    else:
        connection.execute(update(alerts).where(where).values(**values))


def mark_delivery(
    connection: Connection, rule: str, scope_key: str, episode: int, **values: Any
) -> None:
    """Mirror a notification's delivery state onto its alert row."""
    connection.execute(update(alerts).where(
        alerts.c.rule == rule, alerts.c.scope_key == scope_key, alerts.c.episode == episode,
    ).values(**values))


def firing_alerts(connection: Connection) -> list[dict[str, Any]]:
    """Every alert row currently firing, oldest first."""
    query = select(alerts).where(alerts.c.state == "firing").order_by(alerts.c.first_seen)
    return [dict(r) for r in connection.execute(query).mappings()]


def delivery_label(row: Any) -> str:
    """What became of an `alerts` row's newest message: inhibited/silenced by whom, or its status."""
    if row["inhibited_by"]:
        return f"inhibited by {row['inhibited_by']}"
    if row["silenced_by"]:
        return f"silenced by {row['silenced_by']}"
    return str(row["delivery_status"])
