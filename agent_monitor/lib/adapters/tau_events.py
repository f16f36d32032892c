"""Build SPEC §1 events from a normalised tau conversation."""

from __future__ import annotations

from typing import Any

from agent_monitor.lib.adapters.common import canonical_json, format_ts
from agent_monitor.lib.adapters.conversation_facts import FactTracker, given_value_fact
from agent_monitor.lib.adapters.tau_model import (
    HANDOFF_TOOL,
    Conversation,
    Message,
    final_response_position,
    is_action,
)


def actions_value(conversation: Conversation) -> str:
    """Canonical JSON of the sorted state-changing agent tool calls (name and arguments).

    A handoff's free-text summary is left out: two runs agree when both hand off.
    """
    actions = sorted(
        canonical_json([call.name, {} if call.name == HANDOFF_TOOL else call.arguments])
        for message in conversation.messages
        if message.role == "assistant"
        for call in message.tool_calls
        if is_action(call.name)
    )
    return "[" + ",".join(actions) + "]"


CONVERSATION_STEP = "conversation"


class _Builder:
    """Walks the messages once, keeping the turn counter and the step frontier."""

    def __init__(self, conversation: Conversation) -> None:
        self.conv = conversation
        self.events: list[dict[str, Any]] = []
        self.turn = 0
        self.frontier: list[str] = []
        self.pending: dict[str, tuple[str, str, Message, list[str]]] = {}
        self.final_position = final_response_position(conversation.messages)
        self.previous_ts = conversation.started
        self.facts = FactTracker(conversation.domain)
        self.given_in: dict[str, dict[str, Any]] = {}

    def base(self, suffix: str, event_type: str, message: Message) -> dict[str, Any]:
        return {
            "event_id": f"{self.conv.prefix}:{suffix}",
            "event_type": event_type,
            "ts": format_ts(message.ts),
            "session_id": self.conv.prefix,
        }

    def run_event(self, suffix: str, status: str, ts: str) -> dict[str, Any]:
        return {
            "event_id": f"{self.conv.prefix}:run:{suffix}",
            "event_type": "workflow_run",
            "ts": ts,
            "workflow_id": self.conv.workflow_id,
            "workflow_run_id": self.conv.prefix,
            "status": status,
            "session_id": self.conv.prefix,
            "agent_version": self.conv.agent_version,
            **self.conv.attributes,
        }

    def user(self, message: Message) -> None:
        self.turn += 1
        event = self.base(f"msg:{message.position}", "user_message", message)
        event["turn"] = self.turn
        facts, fields = self.facts.user(message.text or "")
        event["facts_provided"] = facts
        if fields:
            event["fields_provided"] = fields
        for fact in facts:
            self.given_in.setdefault(fact, event)
        if message.tool_calls:
            event["user_tool_calls"] = [call.name for call in message.tool_calls]
        self.events.append(event)

    def assistant(self, message: Message) -> None:
        self.turn += 1
        conv = self.conv
        event = self.base(f"msg:{message.position}", "agent_response", message)
        event.update(agent_id=conv.agent_id, agent_version=conv.agent_version, turn=self.turn)
        event["status"] = "error" if message.is_error else "ok"
        if message.is_error:
            event["error_type"] = message.error_type or "message_error"
        event["workflow_run_id"] = conv.prefix
        event["step_id"] = CONVERSATION_STEP
        if message.text:
            event["text"] = message.text
        found = self.facts.agent(
            message.text or "", [(call.name, call.arguments) for call in message.tool_calls]
        )
        event["facts_referenced"] = found.referenced
        if found.requested:
            event["fields_requested"] = found.requested
        if found.flags:
            # Profiler marks, not validator flags: kept out of `flags` (and so out of M4).
            event["profile_flags"] = found.flags
        for missed in found.contradicted:
            # The user's message states the value the agent missed, in name=value form.
            given = self.given_in[missed]
            value_fact = given_value_fact(missed)
            if value_fact not in given["facts_provided"]:
                given["facts_provided"] = sorted([*given["facts_provided"], value_fact])
        if message.input_tokens is not None:
            event["input_tokens"] = message.input_tokens
        if message.output_tokens is not None:
            event["output_tokens"] = message.output_tokens
        if conv.measured_clock:
            latency = (message.ts - self.previous_ts).total_seconds() * 1000
            event["latency_ms"] = round(max(latency, 0.0), 3)
        if message.cost is not None:
            event["cost"] = message.cost
        if message.tool_calls:
            event["tool_calls"] = [call.name for call in message.tool_calls]
        if message.position == self.final_position:
            event["decision"] = {
                "name": "actions",
                "value": actions_value(conv),
                "path": "content",
            }
            event["input_hash"] = conv.input_hash
            if conv.shadow_of is not None:
                event["deployment"] = "shadow"
                event["shadow_of"] = conv.shadow_of
        self.events.append(event)
        self.open_steps(message)

    def open_steps(self, message: Message) -> None:
        layer: list[str] = []
        for index, call in enumerate(message.tool_calls):
            step_id = f"step:{message.position}.{index}"
            self.pending[call.call_id] = (step_id, call.name, message, list(self.frontier))
            layer.append(step_id)
            if call.name == HANDOFF_TOOL:
                escalation = self.base(f"esc:{message.position}.{index}", "escalation", message)
                escalation.update(kind="handoff_request", agent_id=self.conv.agent_id)
                self.events.append(escalation)
        if layer:
            self.frontier = layer

    def step(self, step_id: str, name: str, started: Message, depends_on: list[str],
             status: str, ts: str, error: str | None) -> dict[str, Any]:
        conv = self.conv
        event: dict[str, Any] = {
            "event_id": f"{conv.prefix}:{step_id}",
            "event_type": "workflow_step",
            "ts": ts,
            "workflow_id": conv.workflow_id,
            "workflow_run_id": conv.prefix,
            "step_id": step_id,
            "agent_id": conv.agent_id,
            "agent_version": conv.agent_version,
            "depends_on": depends_on,
            "status": status,
            "started_at": format_ts(started.ts),
            "tool_name": name,
            "session_id": conv.prefix,
        }
        if error is not None:
            event["error_type"] = "tool_error" if status == "failed" else "no_result"
            event["error_message"] = error[:500]
        return event

    def tool(self, message: Message) -> None:
        self.facts.tool_result(message.text or "")
        if message.requestor != "assistant" or message.call_id not in self.pending:
            return
        step_id, name, started, depends_on = self.pending.pop(message.call_id)
        status = "failed" if message.is_error else "succeeded"
        error = (message.text or "") if message.is_error else None
        self.events.append(
            self.step(step_id, name, started, depends_on, status, format_ts(message.ts), error)
        )

    def finish(self) -> list[dict[str, Any]]:
        conv = self.conv
        end_ts = format_ts(conv.ended)
        for step_id, name, started, depends_on in self.pending.values():
            self.events.append(
                self.step(step_id, name, started, depends_on, "timed_out", end_ts,
                          "no tool result before the run ended")
            )
        self.events.append(self.conversation_step(end_ts))
        status = "completed" if conv.reward == 1 and conv.error_type is None else "failed"
        end = self.run_event("end", status, end_ts)
        if conv.error_type is not None:
            end["error_type"] = conv.error_type
        self.events.append(end)
        return self.events

    def conversation_step(self, end_ts: str) -> dict[str, Any]:
        """The conversation itself is the agent's step of the run (so talk-only runs count).

        It fails only when the run died outside the conversation (conv.error_type); whether
        the task succeeded is the run's status, not the step's.
        """
        conv = self.conv
        event: dict[str, Any] = {
            "event_id": f"{conv.prefix}:{CONVERSATION_STEP}",
            "event_type": "workflow_step",
            "ts": end_ts,
            "workflow_id": conv.workflow_id,
            "workflow_run_id": conv.prefix,
            "step_id": CONVERSATION_STEP,
            "agent_id": conv.agent_id,
            "agent_version": conv.agent_version,
            "depends_on": [],
            "status": "failed" if conv.error_type else "succeeded",
            "started_at": format_ts(conv.started),
            "session_id": conv.prefix,
        }
        if conv.error_type:
            event["error_type"] = conv.error_type
        return event


def conversation_events(conversation: Conversation) -> list[dict[str, Any]]:
    """All events of one conversation, in message order, run start first and run end last."""
    builder = _Builder(conversation)
    builder.events.append(
        builder.run_event("started", "started", format_ts(conversation.started))
    )
    for message in conversation.messages:
        if message.role == "user":
            builder.user(message)
        elif message.role == "assistant":
            builder.assistant(message)
        elif message.role == "tool":
            builder.tool(message)
        builder.previous_ts = message.ts
    return builder.finish()
