"""What the messages of a session's agent spans say: user turns, facts, requests, marks.

Each session's agent spans are walked in turn order with one FactTracker, the same
bookkeeping as the tau adapters (conversation_facts.py). An agent span's messages are its
own, else those of the model calls inside it (input of the first, output of the last);
the arguments and results of its execute_tool spans count as its tool calls and results.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import orjson

from agent_monitor.lib.adapters.conversation_facts import (
    AgentTurnFacts,
    FactTracker,
    given_value_fact,
)
from agent_monitor.lib.adapters.otel_messages import SpanMessages

if TYPE_CHECKING:
    from agent_monitor.lib.adapters.otel_index import Key, SpanIndex


@dataclass
class UserTurn:
    """One new user message before an agent response."""

    text: str
    facts: list[str]
    fields: list[str]


@dataclass
class Dialogue:
    """What one agent span adds to its session."""

    users: list[UserTurn] = field(default_factory=list)
    text: str = ""
    tool_names: list[str] = field(default_factory=list)
    facts: AgentTurnFacts | None = None


def _arguments(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


def _messages_of(index: SpanIndex, key: Key) -> SpanMessages | None:
    own = index.nodes[key].messages
    if own is not None:
        return own
    inner = sorted(
        (k for k, kind in index.kinds.items()
         if kind == "inner" and index.agent_of.get(k) == key and index.nodes[k].messages),
        key=lambda k: (index.nodes[k].start_ns, k[1]),
    )
    if not inner:
        return None
    first, last = index.nodes[inner[0]].messages, index.nodes[inner[-1]].messages
    assert first is not None and last is not None
    return SpanMessages(first.inputs, last.outputs)


def _tools_of(index: SpanIndex, key: Key) -> list[Key]:
    return sorted(
        (k for k, kind in index.kinds.items() if kind == "tool" and index.agent_of.get(k) == key),
        key=lambda k: (index.nodes[k].start_ns, k[1]),
    )


def dialogues(index: SpanIndex) -> dict[Key, Dialogue]:
    """Per agent span: its user turns, text, tool calls and derived facts, session by session."""
    sessions: dict[str, list[Key]] = defaultdict(list)
    for key in index.turns:
        sessions[index.session_of(key)].append(key)
    out: dict[Key, Dialogue] = {}
    for keys in sessions.values():
        tracker = FactTracker(domain="")
        given_in: dict[str, UserTurn] = {}
        for key in sorted(keys, key=lambda k: index.turns[k]):
            messages = _messages_of(index, key)
            tools = _tools_of(index, key)
            if messages is None and not tools:
                continue
            dialogue = Dialogue()
            calls: list[tuple[str, Any]] = []
            if messages is not None:
                for result in messages.new_tool_results():
                    tracker.tool_result(result)
                for text in messages.new_user_texts():
                    facts, fields = tracker.user(text)
                    dialogue.users.append(UserTurn(text, facts, fields))
                    for fact in facts:
                        given_in.setdefault(fact, dialogue.users[-1])
                dialogue.text = messages.output_text()
                calls = messages.output_calls()
            for tool in tools:
                node = index.nodes[tool]
                if node.tool_name and not any(name == node.tool_name for name, _ in calls):
                    calls.append((node.tool_name, _arguments(node.tool_arguments) or {}))
            dialogue.tool_names = [name for name, _ in calls]
            dialogue.facts = tracker.agent(dialogue.text, calls)
            for missed in dialogue.facts.contradicted:
                # The index is complete before any event is emitted: patch the user turn.
                user = given_in[missed]
                user.facts = sorted({*user.facts, given_value_fact(missed)})
            for tool in tools:
                if index.nodes[tool].tool_result:
                    tracker.tool_result(str(index.nodes[tool].tool_result))
            out[key] = dialogue
    return out
