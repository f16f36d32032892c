"""tau2-bench results (one JSON document of simulations) -> SPEC §1 events."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

from agent_monitor.lib.adapters.common import (
    AdapterReject,
    base_stem,
    content_hash,
    load_json_document,
    parse_iso_utc,
    reject_record,
)
from agent_monitor.lib.adapters.tau_events import conversation_events
from agent_monitor.lib.adapters.tau_model import (
    Conversation,
    Message,
    ToolCall,
    final_response_position,
)
from agent_monitor.lib.ingest.records import SourceRecord


def _require(item: dict[str, Any], key: str, where: str) -> Any:
    if key not in item or item[key] is None:
        raise AdapterReject(f"missing_field:{where}{key}", f"{where}{key} is missing")
    return item[key]


def _tokens(usage: Any, key: str, where: str) -> int | None:
    if not isinstance(usage, dict) or usage.get(key) is None:
        return None
    value = usage[key]
    if not isinstance(value, int) or isinstance(value, bool) or value < 0:
        raise AdapterReject(f"bad_type:{where}usage.{key}", f"{key}={value!r} is not an int ≥ 0")
    return value


def _message(raw: dict[str, Any], index: int) -> Message:
    where = f"messages[{index}]."
    role = _require(raw, "role", where)
    position = raw.get("turn_idx", index)
    if not isinstance(position, int):
        raise AdapterReject(f"bad_type:{where}turn_idx", f"turn_idx={position!r}")
    calls = tuple(
        ToolCall(str(call.get("id", "")), str(call.get("name", "")), call.get("arguments") or {})
        for call in raw.get("tool_calls") or []
    )
    content = raw.get("content")
    return Message(
        position=position,
        role=role,
        ts=parse_iso_utc(_require(raw, "timestamp", where), f"{where}timestamp"),
        text=content if isinstance(content, str) else None,
        tool_calls=calls,
        call_id=raw.get("id") if role == "tool" else None,
        is_error=bool(raw.get("error")),
        requestor=str(raw.get("requestor") or "assistant"),
        input_tokens=_tokens(raw.get("usage"), "prompt_tokens", where),
        output_tokens=_tokens(raw.get("usage"), "completion_tokens", where),
        cost=raw.get("cost") if isinstance(raw.get("cost"), int | float) else None,
    )


def simulation_conversation(
    document: dict[str, Any], simulation: dict[str, Any], stem: str
) -> Conversation:
    """Normalise one simulation; raises AdapterReject when it is malformed."""
    domain = str(document.get("info", {}).get("environment_info", {}).get("domain_name"))
    llm = str(document.get("info", {}).get("agent_info", {}).get("llm"))
    sim_id = _require(simulation, "id", "")
    task_id = str(_require(simulation, "task_id", ""))
    raw_messages = _require(simulation, "messages", "")
    if not isinstance(raw_messages, list):
        raise AdapterReject("bad_type:messages", "messages must be a list")
    messages = [_message(raw, index) for index, raw in enumerate(raw_messages)]
    reward_info = _require(simulation, "reward_info", "")
    reward = reward_info.get("reward") if isinstance(reward_info, dict) else None
    if not isinstance(reward, int | float):
        raise AdapterReject("bad_type:reward_info.reward", f"reward={reward!r}")
    started = parse_iso_utc(_require(simulation, "start_time", ""), "start_time")
    ended = parse_iso_utc(_require(simulation, "end_time", ""), "end_time")
    if messages:
        started = min(started, messages[0].ts)
        ended = max(ended, messages[-1].ts)
    tasks = {str(task.get("id")): task for task in document.get("tasks") or []}
    return Conversation(
        prefix=f"tau2:{stem}:{sim_id}",
        domain=domain,
        workflow_id=f"tau2:{domain}",
        agent_id=f"{domain}-agent",
        agent_version=llm,
        started=started,
        ended=ended,
        reward=float(reward),
        input_hash=content_hash(tasks.get(task_id, {"domain": domain, "task_id": task_id})),
        messages=messages,
        measured_clock=True,
        attributes={
            "task_id": task_id,
            "trial": simulation.get("trial"),
            "reward": float(reward),
            "termination_reason": simulation.get("termination_reason"),
        },
    )


def primary_final_responses(primary_path: Path) -> dict[tuple[str, Any], str]:
    """Map (task_id, trial) -> event_id of the primary run's final agent_response."""
    document = load_json_document(primary_path)
    stem = base_stem(primary_path)
    finals: dict[tuple[str, Any], str] = {}
    for simulation in document.get("simulations") or []:
        try:
            conversation = simulation_conversation(document, simulation, stem)
        except AdapterReject:
            continue
        position = final_response_position(conversation.messages)
        if position is not None:
            key = (conversation.attributes["task_id"], conversation.attributes["trial"])
            finals.setdefault(key, f"{conversation.prefix}:msg:{position}")
    return finals


def iter_records(path: Path, primary_path: Path | None = None) -> Iterator[SourceRecord]:
    """Yield the events of each simulation; with `primary_path`, mark this run as its shadow."""
    document = load_json_document(path)
    if not isinstance(document, dict) or not isinstance(document.get("simulations"), list):
        raise AdapterReject("missing_field:simulations", f"{path} is not a tau2 results file")
    finals = primary_final_responses(primary_path) if primary_path is not None else {}
    stem = base_stem(path)
    for location, simulation in enumerate(document["simulations"], start=1):
        try:
            if not isinstance(simulation, dict):
                raise AdapterReject("bad_type:simulation", "a simulation must be an object")
            conversation = simulation_conversation(document, simulation, stem)
            key = (conversation.attributes["task_id"], conversation.attributes["trial"])
            conversation.shadow_of = finals.get(key)
            events = conversation_events(conversation)
        except AdapterReject as error:
            yield reject_record(location, simulation, error)
            continue
        for event in events:
            yield SourceRecord(location=location, event=event)
