"""Hand-made SPEC events for tests: small builders with explicit defaults."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

import orjson


def response(event_id: str, ts: str, **fields: Any) -> dict[str, Any]:
    return {
        "event_id": event_id,
        "event_type": "agent_response",
        "ts": ts,
        "agent_id": "billing",
        "session_id": "s1",
        "turn": 1,
        **fields,
    }


def user_message(event_id: str, ts: str, **fields: Any) -> dict[str, Any]:
    return {"event_id": event_id, "event_type": "user_message", "ts": ts, "session_id": "s1", "turn": 1, **fields}


def review(event_id: str, ts: str, target: str, verdict: str = "correct") -> dict[str, Any]:
    return {"event_id": event_id, "event_type": "review", "ts": ts, "target_event_id": target, "verdict": verdict}


def jsonl_bytes(events: list[Any]) -> bytes:
    return b"".join(orjson.dumps(e) + b"\n" for e in events)


def write_jsonl(path: Path, events: list[Any], *, gz: bool = False) -> Path:
    data = jsonl_bytes(events)
    path.write_bytes(gzip.compress(data, mtime=0) if gz else data)
    return path
