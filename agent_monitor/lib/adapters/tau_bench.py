"""tau-bench historical trajectories (one JSON list) -> SPEC §1 events on a synthetic clock."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import orjson

from agent_monitor.lib.adapters import tau2
from agent_monitor.lib.adapters.common import (
    AdapterReject,
    base_stem,
    content_hash,
    load_json_document,
    reject_record,
)
from agent_monitor.lib.adapters.pairing import tau2_primary_for
from agent_monitor.lib.adapters.tau2_layout import looks_like_simulations
from agent_monitor.lib.adapters.tau_events import conversation_events
from agent_monitor.lib.adapters.tau_model import Conversation, Message, ToolCall
from agent_monitor.lib.ingest.records import SourceRecord

# Synthetic clock: tau-bench has no timestamps. Trial k of task n starts at
# CLOCK_BASE + k days + n × TASK_SPACING; message i of a trajectory is i × MESSAGE_SPACING later.
CLOCK_BASE = datetime(2024, 6, 1, tzinfo=UTC)
TRIAL_SPACING = timedelta(days=1)
TASK_SPACING = timedelta(minutes=20)
MESSAGE_SPACING = timedelta(seconds=20)
DOMAINS = ("airline", "retail")
POLICY_TITLE = re.compile(r"#\s*(\w+) Agent Policy", re.IGNORECASE)


def split_stem(stem: str, trajectory: dict[str, Any]) -> tuple[str, str]:
    """(model, domain) from a `<model>-<domain>` file stem, else from the system prompt."""
    model, _, domain = stem.rpartition("-")
    if domain in DOMAINS and model:
        return model, domain
    for message in trajectory.get("traj") or []:
        if message.get("role") == "system":
            match = POLICY_TITLE.search(str(message.get("content") or ""))
            if match:
                return stem, match.group(1).lower()
    return stem, "unknown"


def _int_field(item: dict[str, Any], key: str) -> int:
    if key not in item:
        raise AdapterReject(f"missing_field:{key}", f"{key} is missing")
    value = item[key]
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise AdapterReject(f"bad_type:{key}", f"{key}={value!r} is not an int ≥ 0")
    return value


def _arguments(call: dict[str, Any], where: str) -> Any:
    raw = (call.get("function") or {}).get("arguments", "{}")
    try:
        return orjson.loads(raw) if isinstance(raw, str) else raw
    except orjson.JSONDecodeError:
        raise AdapterReject("bad_json", f"{where}arguments {raw[:80]!r}") from None


def _message(raw: dict[str, Any], position: int, start: datetime) -> Message:
    where = f"traj[{position}]."
    if not isinstance(raw, dict) or "role" not in raw:
        raise AdapterReject(f"missing_field:{where}role", "every message needs a role")
    content = raw.get("content")
    calls = tuple(
        ToolCall(
            str(call.get("id", "")),
            str((call.get("function") or {}).get("name", "")),
            _arguments(call, where),
        )
        for call in raw.get("tool_calls") or []
    )
    text = content if isinstance(content, str) else None
    return Message(
        position=position,
        role=str(raw["role"]),
        ts=start + position * MESSAGE_SPACING,
        text=text,
        tool_calls=calls,
        call_id=raw.get("tool_call_id"),
        is_error=raw.get("role") == "tool" and (text or "").startswith("Error"),
    )


def trajectory_conversation(trajectory: dict[str, Any], stem: str) -> Conversation:
    """Normalise one trajectory; raises AdapterReject when it is malformed."""
    task_id = _int_field(trajectory, "task_id")
    trial = _int_field(trajectory, "trial")
    reward = trajectory.get("reward")
    if not isinstance(reward, int | float) or isinstance(reward, bool):
        raise AdapterReject("bad_type:reward", f"reward={reward!r}")
    traj = trajectory.get("traj")
    if not isinstance(traj, list):
        raise AdapterReject("missing_field:traj", "traj must be a list of messages")
    model, domain = split_stem(stem, trajectory)
    start = CLOCK_BASE + trial * TRIAL_SPACING + task_id * TASK_SPACING
    messages = [_message(raw, position, start) for position, raw in enumerate(traj)]
    task = (trajectory.get("info") or {}).get("task") or {"task_id": task_id}
    return Conversation(
        prefix=f"tau-bench:{stem}:task{task_id}:trial{trial}",
        domain=domain,
        workflow_id=f"tau-bench:{domain}",
        agent_id=model,
        agent_version=model,
        started=start,
        ended=start + len(traj) * MESSAGE_SPACING,
        reward=float(reward),
        input_hash=content_hash(task),
        messages=messages,
        measured_clock=False,
        attributes={
            "task_id": str(task_id),
            "trial": trial,
            "reward": float(reward),
            "domain": domain,
            "source_layout": "tau-bench",
            "clock": "synthetic",
        },
    )


def iter_records(path: Path) -> Iterator[SourceRecord]:
    """Yield the events of each trajectory, or a reject for a malformed one."""
    document = load_json_document(path)
    if not isinstance(document, list):
        raise AdapterReject("bad_type:document", f"{path} is not a tau-bench trajectory list")
    stem = base_stem(path)
    if looks_like_simulations(document):
        # A bare list of tau2 simulations, not tau-bench trajectories.
        yield from tau2.iter_document_records(document, stem, tau2_primary_for(path))
        return
    for location, trajectory in enumerate(document, start=1):
        try:
            if not isinstance(trajectory, dict):
                raise AdapterReject("bad_type:trajectory", "a trajectory must be an object")
            events = conversation_events(trajectory_conversation(trajectory, stem))
        except AdapterReject as error:
            yield reject_record(location, trajectory, error)
            continue
        for event in events:
            yield SourceRecord(location=location, event=event)
