"""Millisecond timestamps: conversion from datetimes and RFC 3339 formatting with `Z`."""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime

SECOND_MS = 1000
MINUTE_MS = 60 * SECOND_MS
HOUR_MS = 60 * MINUTE_MS
BUCKET_MS = 15 * MINUTE_MS


def to_ms(moment: datetime) -> int:
    """Epoch milliseconds of an aware datetime (naive datetimes are taken as UTC)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return int(round(moment.timestamp() * 1000))


def from_ms(ms: int) -> datetime:
    """The UTC datetime of epoch milliseconds."""
    seconds, millis = divmod(ms, 1000)
    return datetime.fromtimestamp(seconds, UTC).replace(microsecond=millis * 1000)


def format_ts(ms: int) -> str:
    """RFC 3339 in UTC with millisecond precision and a `Z`, e.g. 2026-01-05T00:00:03.120Z."""
    seconds, millis = divmod(ms, 1000)
    return datetime.fromtimestamp(seconds, UTC).strftime("%Y-%m-%dT%H:%M:%S") + f".{millis:03d}Z"


def parse_utc(text: str) -> datetime:
    """An ISO 8601 / RFC 3339 time with `Z`, an offset or none (UTC), as an aware UTC datetime."""
    value = text.strip()
    if value.endswith(("Z", "z")):
        value = value[:-1] + "+00:00"
    moment = datetime.fromisoformat(value)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC)


class IdMaker:
    """Stable unique ids: a hash of (seed, namespace, counter), so equal settings give equal ids."""

    def __init__(self, seed: int, namespace: str) -> None:
        self._prefix = f"{seed}:{namespace}:".encode()
        self._count = 0

    def next(self, kind: str) -> str:
        """A fresh id such as `rsp_3f9a…` (96 bits of hash plus the kind)."""
        self._count += 1
        digest = hashlib.blake2b(self._prefix + str(self._count).encode(), digest_size=12)
        return f"{kind}_{digest.hexdigest()}"
