"""Chat messages carried by GenAI spans, in every form instrumentations emit.

- Semantic conventions 1.37+: `gen_ai.input.messages`, `gen_ai.output.messages`,
  `gen_ai.system_instructions` (a JSON string or a structured OTLP array) as span attributes
  or on the `gen_ai.client.inference.operation.details` event; messages are
  `{role, parts: [{type: text, content} | {type: tool_call, id, name, arguments} |
  {type: tool_call_response, id, response}]}`.
- Before 1.37: one span event per message, `gen_ai.system.message`, `gen_ai.user.message`,
  `gen_ai.assistant.message`, `gen_ai.tool.message` (attributes `content`, `tool_calls`,
  `id`, or the body as JSON in `gen_ai.event.content`) and `gen_ai.choice` (`message`);
  or the older `gen_ai.content.prompt` / `gen_ai.content.completion` events with
  `gen_ai.prompt` / `gen_ai.completion` as JSON strings of `{role, content}` messages.

All forms normalise to the same SpanMessages.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

import orjson

DETAILS_EVENT = "gen_ai.client.inference.operation.details"
INPUT_KEY, OUTPUT_KEY, SYSTEM_KEY = (
    "gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.system_instructions")
MESSAGE_EVENTS = {
    "gen_ai.system.message": "system", "gen_ai.user.message": "user",
    "gen_ai.assistant.message": "assistant", "gen_ai.tool.message": "tool",
}


@dataclass(frozen=True)
class ChatMessage:
    """One message: its role, text, the tool calls it makes, the tool results it carries."""

    role: str
    text: str = ""
    tool_calls: tuple[tuple[str, Any], ...] = ()  # (name, arguments)
    tool_results: tuple[str, ...] = ()


@dataclass(frozen=True)
class SpanMessages:
    """The model input (history) and output of one span."""

    inputs: tuple[ChatMessage, ...] = ()
    outputs: tuple[ChatMessage, ...] = field(default=())

    def new_user_texts(self) -> list[str]:
        """User messages after the last assistant message of the input: this turn's."""
        tail = _after_last_assistant(self.inputs)
        return [m.text for m in tail if m.role == "user" and m.text]

    def new_tool_results(self) -> list[str]:
        """Tool results after the last assistant message of the input."""
        tail = _after_last_assistant(self.inputs)
        return [r for m in tail for r in m.tool_results]

    def output_text(self) -> str:
        return "\n".join(m.text for m in self.outputs if m.text)

    def output_calls(self) -> list[tuple[str, Any]]:
        return [call for m in self.outputs for call in m.tool_calls]


def _after_last_assistant(messages: tuple[ChatMessage, ...]) -> tuple[ChatMessage, ...]:
    last = max((i for i, m in enumerate(messages) if m.role == "assistant"), default=-1)
    return messages[last + 1:]


def _json(value: Any) -> Any:
    if isinstance(value, str | bytes):
        try:
            return orjson.loads(value)
        except orjson.JSONDecodeError:
            return value
    return value


def _text(content: Any) -> str:
    content = _json(content) if isinstance(content, str) and content[:1] in "[{" else content
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(_text(item) for item in content if _text(item))
    if isinstance(content, Mapping):
        for key in ("content", "text"):
            if isinstance(content.get(key), str):
                return str(content[key])
    return ""


def _old_calls(calls: Any) -> tuple[tuple[str, Any], ...]:
    out = []
    for call in _json(calls) or []:
        if not isinstance(call, Mapping):
            continue
        function = call.get("function") if isinstance(call.get("function"), Mapping) else call
        out.append((str(function.get("name") or ""), _json(function.get("arguments") or {})))
    return tuple(out)


def _message(raw: Any, default_role: str = "") -> ChatMessage | None:
    raw = _json(raw)
    if not isinstance(raw, Mapping):
        return None
    role = str(raw.get("role") or default_role)
    parts = raw.get("parts")
    if isinstance(parts, list):  # 1.37+
        texts, calls, results = [], [], []
        for part in parts:
            if not isinstance(part, Mapping):
                continue
            kind = part.get("type")
            if kind == "text" and isinstance(part.get("content"), str):
                texts.append(part["content"])
            elif kind == "tool_call":
                calls.append((str(part.get("name") or ""), _json(part.get("arguments") or {})))
            elif kind == "tool_call_response":
                results.append(_text(part.get("response")) or orjson.dumps(
                    part.get("response"), default=str).decode())
        return ChatMessage(role, "\n".join(texts), tuple(calls), tuple(results))
    text = _text(raw.get("content"))
    results = (text,) if role == "tool" and text else ()
    return ChatMessage(role, "" if role == "tool" else text, _old_calls(raw.get("tool_calls")),
                       results)


def _messages(value: Any) -> tuple[ChatMessage, ...]:
    value = _json(value)
    items = value if isinstance(value, list) else [value]
    return tuple(m for m in (_message(item) for item in items) if m is not None)


def _from_new(attributes: Mapping[str, Any]) -> SpanMessages | None:
    if INPUT_KEY not in attributes and OUTPUT_KEY not in attributes:
        return None
    inputs = _messages(attributes.get(INPUT_KEY) or [])
    if SYSTEM_KEY in attributes:
        system = _text(_json(attributes[SYSTEM_KEY]))
        inputs = (ChatMessage("system", system), *inputs)
    return SpanMessages(inputs, _messages(attributes.get(OUTPUT_KEY) or []))


def _event_body(name: str, attributes: Mapping[str, Any]) -> Any:
    body = _json(attributes.get("gen_ai.event.content"))
    return body if isinstance(body, Mapping) else attributes


def _from_old(events: tuple[tuple[str, dict[str, Any]], ...]) -> SpanMessages | None:
    inputs: list[ChatMessage] = []
    outputs: list[ChatMessage] = []
    for name, attributes in events:
        if name in MESSAGE_EVENTS:
            message = _message(_event_body(name, attributes), MESSAGE_EVENTS[name])
            if message is not None:
                inputs.append(message)
        elif name == "gen_ai.choice":
            body = _event_body(name, attributes)
            message = _message(body.get("message") or body, "assistant")
            if message is not None:
                outputs.append(message)
        elif name == "gen_ai.content.prompt":
            inputs.extend(_messages(attributes.get("gen_ai.prompt") or []))
        elif name == "gen_ai.content.completion":
            outputs.extend(
                ChatMessage("assistant", m.text, m.tool_calls, m.tool_results)
                for m in _messages(attributes.get("gen_ai.completion") or [])
            )
    if not inputs and not outputs:
        return None
    return SpanMessages(tuple(inputs), tuple(outputs))


def span_messages(
    attributes: Mapping[str, Any], events: tuple[tuple[str, dict[str, Any]], ...]
) -> SpanMessages | None:
    """The span's messages from whichever form it carries (1.37+ attributes win)."""
    found = _from_new(attributes)
    if found is not None:
        return found
    for name, event_attributes in events:
        if name == DETAILS_EVENT:
            found = _from_new(event_attributes)
            if found is not None:
                return found
    return _from_old(events)
