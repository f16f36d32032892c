"""The normalised conversation that both tau adapters build before emitting events."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# Tool names that only read state; every other agent tool call is an "action" in the
# decision compared between shadow pairs and repeated trials.
READ_ONLY_PREFIXES = ("get_", "list_", "search_", "find_", "check_", "calculate", "think")
HANDOFF_TOOL = "transfer_to_human_agents"


@dataclass(frozen=True)
class ToolCall:
    """One tool call inside an assistant (or telecom user) message."""

    call_id: str
    name: str
    arguments: Any


@dataclass(frozen=True)
class Message:
    """One message of a trajectory; `position` is the source index used in event IDs."""

    position: int
    role: str
    ts: datetime
    text: str | None = None
    tool_calls: tuple[ToolCall, ...] = ()
    call_id: str | None = None
    is_error: bool = False
    error_type: str | None = None
    requestor: str = "assistant"
    input_tokens: int | None = None
    output_tokens: int | None = None
    cost: float | None = None


@dataclass
class Conversation:
    """One trajectory/simulation: a session and a workflow run."""

    prefix: str
    domain: str
    workflow_id: str
    agent_id: str
    agent_version: str
    started: datetime
    ended: datetime
    reward: float
    input_hash: str
    messages: list[Message]
    measured_clock: bool
    attributes: dict[str, Any] = field(default_factory=dict)
    shadow_of: str | None = None
    # Set when the run died before or outside the conversation (e.g. an infrastructure error).
    error_type: str | None = None


def is_action(name: str) -> bool:
    """True for a tool call that changes state (or hands off), false for a lookup."""
    return not name.startswith(READ_ONLY_PREFIXES)


def final_response_position(messages: list[Message]) -> int | None:
    """Source position of the last assistant message, whose response carries the decision."""
    positions = [message.position for message in messages if message.role == "assistant"]
    return positions[-1] if positions else None
