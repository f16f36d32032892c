"""Silences in the warehouse: add, list, expire, and the active ones as lifecycle `Silence`s."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Connection, insert, select, update

from agent_monitor.lib.alerting.silences import Silence
from agent_monitor.lib.warehouse.tables_alerting import silences


@dataclass(frozen=True)
class SilenceRecord:
    """A stored silence, with when it was created and whether it was ended early."""

    silence: Silence
    created_at: datetime
    expired_at: datetime | None = None

    def active(self, now: datetime) -> bool:
        """True while the silence holds at `now`."""
        s = self.silence
        start_ok = s.starts_at is None or s.starts_at <= now
        return start_ok and now < s.ends_at


def add_silence(
    connection: Connection, *, rule: str, agent: str, ends_at: datetime, reason: str,
    author: str, now: datetime, starts_at: datetime | None = None,
) -> Silence:
    """Store a new silence; its id is a short random hex string."""
    silence = Silence(silence_id=uuid.uuid4().hex[:12], ends_at=ends_at, reason=reason,
                      author=author, rule=rule, agent=agent, starts_at=starts_at or now)
    connection.execute(insert(silences), [{
        "silence_id": silence.silence_id, "rule": rule, "agent": agent,
        "starts_at": silence.starts_at, "ends_at": ends_at, "reason": reason, "author": author,
        "created_at": now,
    }])
    return silence


def list_silences(connection: Connection) -> list[SilenceRecord]:
    """Every stored silence, newest first."""
    query = select(silences).order_by(silences.c.created_at.desc(), silences.c.silence_id)
    return [
        SilenceRecord(
            Silence(silence_id=r["silence_id"], ends_at=r["ends_at"], reason=r["reason"],
                    author=r["author"], rule=r["rule"], agent=r["agent"],
                    starts_at=r["starts_at"]),
            r["created_at"], r["expired_at"],
        )
        for r in connection.execute(query).mappings()
    ]


def active_silences(connection: Connection, now: datetime) -> list[Silence]:
    """The silences in force at `now`."""
    return [r.silence for r in list_silences(connection) if r.active(now)]


def expire_silence(connection: Connection, silence_id: str, now: datetime) -> bool:
    """End a silence now; False when no silence with that id is still running."""
    result = connection.execute(update(silences).where(
        silences.c.silence_id == silence_id, silences.c.ends_at > now,
    ).values(ends_at=now, expired_at=now))
    return bool(result.rowcount)
