"""tau2-bench results (any layout of simulations) -> SPEC §1 events."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from agent_monitor.lib.adapters.common import (
    AdapterReject,
    base_stem,
    content_hash,
    load_json_document,
    reject_record,
)
from agent_monitor.lib.adapters.tau2_layout import (
    MESSAGE_SPACING,
    SyntheticClock,
    identity,
    layout_of,
    measured,
)
from agent_monitor.lib.adapters.tau_events import conversation_events
from agent_monitor.lib.adapters.tau_model import (
    Conversation,
    Message,
    ToolCall,
    final_response_position,
)
from agent_monitor.lib.ingest.records import SourceRecord

ERROR_NAME = re.compile(r"^\s*([A-Za-z_][\w.]*?(?:Error|Exception|Timeout))\b")


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


def message_error_type(error: Any) -> str | None:
    """`error` of a tau2 message as an error type: the exception name in it, else a kind."""
    if not error:
        return None
    if isinstance(error, str):
        match = ERROR_NAME.match(error)
        return match.group(1) if match else "message_error"
    if isinstance(error, dict):
        name = error.get("type") or error.get("name")
        return str(name) if name else "message_error"
    return "message_error"


def _message(raw: Any, index: int, ts: datetime) -> Message:
    where = f"messages[{index}]."
    if not isinstance(raw, dict):
        raise AdapterReject(f"bad_type:{where[:-1]}", "a message must be an object")
    role = _require(raw, "role", where)
    position = raw.get("turn_idx", index)
    if position is None:
        position = index
    if not isinstance(position, int):
        raise AdapterReject(f"bad_type:{where}turn_idx", f"turn_idx={position!r}")
    calls = tuple(
        ToolCall(str(call.get("id", "")), str(call.get("name", "")), call.get("arguments") or {})
        for call in raw.get("tool_calls") or []
    )
    content = raw.get("content")
    error = raw.get("error")
    return Message(
        position=position,
        role=role,
        ts=ts,
        text=content if isinstance(content, str) else None,
        tool_calls=calls,
        call_id=raw.get("id") if role == "tool" else None,
        is_error=bool(error),
        error_type=message_error_type(error) if role == "assistant" else None,
        requestor=str(raw.get("requestor") or "assistant"),
        input_tokens=_tokens(raw.get("usage"), "prompt_tokens", where),
        output_tokens=_tokens(raw.get("usage"), "completion_tokens", where),
        cost=raw.get("cost") if isinstance(raw.get("cost"), int | float) else None,
    )


def _message_clock(raw_messages: list[Any]) -> list[datetime] | None:
    """Measured message times, or None when any is missing/placeholder or all are equal."""
    times = [measured(raw.get("timestamp")) if isinstance(raw, dict) else None
             for raw in raw_messages]
    if any(t is None for t in times):
        return None
    if len(times) > 1 and len(set(times)) == 1:
        return None
    return times  # type: ignore[return-value]


@dataclass
class FileContext:
    """What every simulation of one file shares."""

    document: Any
    stem: str
    layout: str
    clock: SyntheticClock
    tasks: dict[str, Any]
    agent_id: str | None = None  # the primary's agent, for a shadow file


def file_context(document: Any, stem: str) -> FileContext:
    """Layout, synthetic clock and task table of a loaded tau2 document."""
    layout = layout_of(document)
    tasks = document.get("tasks") if isinstance(document, dict) else None
    table = {str(t.get("id")): t for t in tasks or [] if isinstance(t, dict)}
    return FileContext(document, stem, layout, SyntheticClock(document), table)


def simulations(document: Any) -> list[Any]:
    """The simulations of a document of any layout."""
    return document if isinstance(document, list) else document["simulations"]


def simulation_conversation(ctx: FileContext, simulation: dict[str, Any]) -> Conversation:
    """Normalise one simulation; raises AdapterReject when it is malformed."""
    who = identity(ctx.document, simulation, ctx.stem)
    sim_id = _require(simulation, "id", "")
    task_id = str(_require(simulation, "task_id", ""))
    raw_messages = simulation.get("messages") or []
    if not isinstance(raw_messages, list):
        raise AdapterReject("bad_type:messages", "messages must be a list")
    reward_info = simulation.get("reward_info")
    reward = reward_info.get("reward") if isinstance(reward_info, dict) else None
    error_type = None
    if reward_info is None:
        # The run died outside the conversation (e.g. an infrastructure error): a failed run.
        error_type = str(simulation.get("termination_reason") or "no_reward_info")
        reward = 0.0
    elif not isinstance(reward, int | float) or isinstance(reward, bool):
        raise AdapterReject("bad_type:reward_info.reward", f"reward={reward!r}")
    clock = _message_clock(raw_messages) if raw_messages else None
    start = measured(simulation.get("start_time"))
    end = measured(simulation.get("end_time"))
    if clock is not None:
        started = min([t for t in (start, clock[0]) if t is not None])
        ended = max([t for t in (end, clock[-1]) if t is not None])
        times = clock
    elif not raw_messages and start is not None and end is not None and end >= start:
        started, ended, times = start, end, []
    else:
        started, ended = ctx.clock.place(start, len(raw_messages))
        times = [started + i * MESSAGE_SPACING for i in range(len(raw_messages))]
    messages = [_message(raw, i, ts) for i, (raw, ts) in enumerate(zip(raw_messages, times, strict=True))]
    # Measured: real message times, or no messages and a real start_time and end_time.
    measured_clock = clock is not None or (not raw_messages and start is not None
                                           and end is not None and end >= start)
    return Conversation(
        prefix=f"tau2:{ctx.stem}:{sim_id}",
        domain=who.domain,
        workflow_id=f"tau2:{who.domain}",
        agent_id=ctx.agent_id or who.model,
        agent_version=who.model,
        started=started,
        ended=ended,
        reward=float(reward),
        input_hash=content_hash(
            ctx.tasks.get(task_id, {"domain": who.domain, "task_id": task_id})
        ),
        messages=messages,
        measured_clock=measured_clock,
        error_type=error_type,
        attributes={
            "task_id": task_id,
            "trial": simulation.get("trial"),
            "reward": float(reward),
            "termination_reason": simulation.get("termination_reason"),
            "domain": who.domain,
            "source_layout": f"tau2:{ctx.layout}",
            "clock": "measured" if measured_clock else "synthetic",
        },
    )


def _conversations(path: Path) -> Iterator[tuple[int, Any, Conversation | AdapterReject]]:
    document = load_json_document(path)
    ctx = file_context(document, base_stem(path))
    for location, simulation in enumerate(simulations(document), start=1):
        try:
            if not isinstance(simulation, dict):
                raise AdapterReject("bad_type:simulation", "a simulation must be an object")
            yield location, simulation, simulation_conversation(ctx, simulation)
        except AdapterReject as error:
            yield location, simulation, error


def primary_final_responses(primary_path: Path) -> tuple[dict[tuple[str, Any], str], str | None]:
    """(task_id, trial) -> event_id of the primary run's final agent_response, and its agent."""
    finals: dict[tuple[str, Any], str] = {}
    agent: str | None = None
    for _, _, conversation in _conversations(primary_path):
        if isinstance(conversation, AdapterReject):
            continue
        agent = agent or conversation.agent_id
        position = final_response_position(conversation.messages)
        if position is not None:
            key = (conversation.attributes["task_id"], conversation.attributes["trial"])
            finals.setdefault(key, f"{conversation.prefix}:msg:{position}")
    return finals, agent


def iter_records(path: Path, primary_path: Path | None = None) -> Iterator[SourceRecord]:
    """Yield the events of each simulation; with `primary_path`, mark this run as its shadow.

    A shadow run is another version of the primary's agent: it takes the primary's agent_id.
    """
    document = load_json_document(path)
    yield from iter_document_records(document, base_stem(path), primary_path)


def iter_document_records(
    document: Any, stem: str, primary_path: Path | None = None
) -> Iterator[SourceRecord]:
    """The events of an already-loaded tau2 document of any layout."""
    ctx = file_context(document, stem)
    finals, primary_agent = (
        primary_final_responses(primary_path) if primary_path is not None else ({}, None)
    )
    ctx.agent_id = primary_agent
    for location, simulation in enumerate(simulations(document), start=1):
        try:
            if not isinstance(simulation, dict):
                raise AdapterReject("bad_type:simulation", "a simulation must be an object")
            conversation = simulation_conversation(ctx, simulation)
            key = (conversation.attributes["task_id"], conversation.attributes["trial"])
            conversation.shadow_of = finals.get(key)
            events = conversation_events(conversation)
        except AdapterReject as error:
            yield reject_record(location, simulation, error)
            continue
        for event in events:
            yield SourceRecord(location=location, event=event)
