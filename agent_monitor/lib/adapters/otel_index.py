"""First pass over a span file: the span tree, span kinds, workflow steps and turn order."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from agent_monitor.lib.adapters.otel_dialogue import dialogues
from agent_monitor.lib.adapters.otel_messages import SpanMessages, span_messages
from agent_monitor.lib.adapters.otel_spans import Span, iter_raw_spans

MODEL_OPERATIONS = frozenset({"chat", "text_completion", "generate_content"})
Key = tuple[str, str]


@dataclass(frozen=True)
class Node:
    """What the second pass needs to know about a span besides its own content."""

    trace_id: str
    span_id: str
    parent_id: str | None
    operation: str | None
    named_agent: bool
    agent_id: str
    conversation_id: str | None
    start_ns: int
    end_ns: int
    evaluations: tuple[dict[str, Any], ...]
    workflow_name: str
    messages: SpanMessages | None = None
    tool_name: str | None = None
    tool_arguments: Any = None
    tool_result: str | None = None


def workflow_name(span: Span) -> str:
    """gen_ai.workflow.name, else the span name without its `invoke_workflow` prefix."""
    name = span.attributes.get("gen_ai.workflow.name")
    if isinstance(name, str) and name:
        return name
    return span.name.removeprefix("invoke_workflow").strip() or "workflow"


def tool_name(span: Span) -> str | None:
    """gen_ai.tool.name, else the span name after `execute_tool` (1.37+: `execute_tool X`)."""
    name = span.attributes.get("gen_ai.tool.name")
    if isinstance(name, str) and name:
        return name
    rest = span.name.removeprefix("execute_tool").strip()
    return rest or None


def agent_label(span: Span) -> str:
    """gen_ai.agent.name, else gen_ai.agent.id, else the resource's service.name."""
    attributes = span.attributes
    for candidate in (
        attributes.get("gen_ai.agent.name"),
        attributes.get("gen_ai.agent.id"),
        span.resource.get("service.name"),
    ):
        if isinstance(candidate, str) and candidate:
            return candidate
    return "unknown_agent"


class SpanIndex:
    """Span tree of one file, with derived kinds, steps, dependencies, turns and evaluations."""

    def __init__(self, nodes: dict[Key, Node]) -> None:
        self.nodes = nodes
        self.children: dict[Key, list[Node]] = defaultdict(list)
        for key, node in nodes.items():
            if node.parent_id and (key[0], node.parent_id) in nodes:
                self.children[(key[0], node.parent_id)].append(node)
        self._kinds: dict[Key, str] = {}
        self.kinds = {key: self.kind(key) for key in nodes}
        self.workflow_of = {key: self._nearest(key, {"workflow"}) for key in nodes}
        self.agent_of = {key: self._nearest(key, {"agent"}, include_self=True) for key in nodes}
        self.steps = {
            key for key, kind in self.kinds.items()
            if kind in ("agent", "tool") and self.workflow_of[key] is not None
        }
        self.depends_on = self._dependencies()
        self.turns = self._turns()
        self.evaluations = self._evaluations()
        self.dialogue = dialogues(self)

    def parent(self, key: Key) -> Key | None:
        parent_id = self.nodes[key].parent_id
        parent_key = (key[0], parent_id) if parent_id else None
        return parent_key if parent_key in self.nodes else None

    def ancestors(self, key: Key) -> list[Key]:
        found: list[Key] = []
        current = self.parent(key)
        while current is not None and current not in found and len(found) < 1000:
            found.append(current)
            current = self.parent(current)
        return found

    def kind(self, key: Key) -> str:
        """workflow, agent, tool, inner (a model call inside an agent) or ignored."""
        if key in self._kinds:
            return self._kinds[key]
        node = self.nodes[key]
        operation = node.operation
        if operation == "invoke_workflow":
            kind = "workflow"
        elif operation == "invoke_agent":
            # A client span around the agent's own invoke_agent span (same agent) is the
            # caller's view of the same turn: the inner span reports it.
            kind = "proxy" if self._wraps_same_agent(key) else "agent"
        elif operation == "execute_tool":
            kind = "tool"
        elif operation in MODEL_OPERATIONS:
            inside_agent = any(
                self.nodes[a].operation == "invoke_agent" for a in self.ancestors(key)
            )
            kind = "agent" if node.named_agent or not inside_agent else "inner"
        else:
            kind = "ignored"
        self._kinds[key] = kind
        return kind

    def _wraps_same_agent(self, key: Key) -> bool:
        node = self.nodes[key]
        return any(
            child.operation == "invoke_agent" and child.agent_id == node.agent_id
            for child in self.children.get(key, [])
        )

    def _nearest(self, key: Key, kinds: set[str], include_self: bool = False) -> Key | None:
        candidates = ([key] if include_self else []) + self.ancestors(key)
        return next((c for c in candidates if self.kind(c) in kinds), None)

    def step_parent(self, key: Key) -> Key | None:
        """The nearest ancestor that is a step of the same workflow, or the workflow itself."""
        for ancestor in self.ancestors(key):
            if ancestor in self.steps or self.kinds[ancestor] == "workflow":
                return ancestor
        return None

    def _dependencies(self) -> dict[Key, list[str]]:
        siblings: dict[Key | None, list[Key]] = defaultdict(list)
        for key in self.steps:
            siblings[self.step_parent(key)].append(key)
        depends: dict[Key, list[str]] = {}
        for parent, group in siblings.items():
            for key in group:
                node = self.nodes[key]
                before = [s for s in group if s != key and self.nodes[s].end_ns <= node.start_ns]
                # The frontier: earlier siblings not followed by another earlier sibling.
                frontier = [
                    s for s in before
                    if not any(self.nodes[s].end_ns <= self.nodes[t].start_ns for t in before)
                ]
                if frontier:
                    depends[key] = sorted(s[1] for s in frontier)
                elif parent is not None and parent in self.steps:
                    depends[key] = [parent[1]]
                else:
                    depends[key] = []
        return depends

    def session_of(self, key: Key) -> str:
        node = self.nodes[key]
        return node.conversation_id or f"otel:{node.trace_id}"

    def _turns(self) -> dict[Key, int]:
        sessions: dict[str, list[Key]] = defaultdict(list)
        for key, kind in self.kinds.items():
            if kind == "agent":
                sessions[self.session_of(key)].append(key)
        turns: dict[Key, int] = {}
        for group in sessions.values():
            ordered = sorted(group, key=lambda k: (self.nodes[k].start_ns, k[1]))
            turns.update({key: turn for turn, key in enumerate(ordered, start=1)})
        return turns

    def _evaluations(self) -> dict[Key, list[dict[str, Any]]]:
        """Evaluation results, each attached to the agent span it is on or nested in."""
        attached: dict[Key, list[dict[str, Any]]] = defaultdict(list)
        for key in sorted(self.nodes):
            target = self.agent_of[key]
            if target is not None:
                attached[target].extend(self.nodes[key].evaluations)
        return attached


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    return value if isinstance(value, str) else str(value)


def build_index(path: Path) -> SpanIndex:
    """Read every valid span of a file once and build its index."""
    nodes: dict[Key, Node] = {}
    for _, _, parsed in iter_raw_spans(path):
        if not isinstance(parsed, Span):
            continue
        attributes = parsed.attributes
        named = attributes.get("gen_ai.agent.name") or attributes.get("gen_ai.agent.id")
        nodes.setdefault((parsed.trace_id, parsed.span_id), Node(
            trace_id=parsed.trace_id,
            span_id=parsed.span_id,
            parent_id=parsed.parent_id,
            operation=parsed.operation,
            named_agent=bool(named),
            agent_id=agent_label(parsed),
            conversation_id=attributes.get("gen_ai.conversation.id"),
            start_ns=parsed.start_ns,
            end_ns=parsed.end_ns,
            evaluations=parsed.evaluations,
            workflow_name=workflow_name(parsed),
            messages=span_messages(attributes, parsed.message_events),
            tool_name=tool_name(parsed) if parsed.operation == "execute_tool" else None,
            tool_arguments=attributes.get("gen_ai.tool.call.arguments"),
            tool_result=_as_text(attributes.get("gen_ai.tool.call.result")),
        ))
    return SpanIndex(nodes)
