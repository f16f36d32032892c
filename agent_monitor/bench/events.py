"""A fast writer of realistic SPEC events for benchmarks: sessions, reviews, workflows.

The mix per conversation: user messages and agent responses alternate (some responses with
logprobs, text, facts, a decision or flags), ~5 % of responses are reviewed, ~2 % have a
shadow twin, ~3 % of sessions end in an escalation, and every ~25th session comes with a
workflow run of three dependent steps. So that the session profiler has work to do, ~2 % of
conversations run past turn 50 (late responses that reference early and recent facts), the
user gives `city=<name>` at the first turn and a budget at the second, ~30 % of first
responses ask for the budget (before the user gives it), ~2 % of later responses ask for it
again (a re-ask) and ~1 % of responses reference a city (mostly another one: a
contradiction). Values are drawn from a seeded generator, so the same arguments give the
same bytes.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

_DECISIONS = (("approve_refund", "approval"), ("route_ticket", "routing"), ("tone", "content"))
_TEXTS = (
    "Your order has shipped and should arrive on Tuesday.",
    "I think it might possibly be the billing address, perhaps check it again.",
    "The refund was approved. The refund was approved. The refund was approved.",
)
_FLAGS = (["hallucination:order_id"], ["pii"], [])
_VERDICTS = ("correct", "correct", "correct", "incorrect", "unverifiable")
_CITIES = ("Paris", "Lyon", "Oslo", "Lima")
LONG_CONVERSATION_SHARE = 0.02


def _iso(epoch: float) -> str:
    return datetime.fromtimestamp(epoch, UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


class BenchEventWriter:
    """Produces JSONL lines of events whose `ts` fall inside [start, start + span)."""

    def __init__(self, *, n_agents: int = 50, seed: int = 7, prefix: str = "b") -> None:
        self.n_agents = n_agents
        self.random = random.Random(seed)
        self.prefix = prefix
        self.counter = 0

    def _id(self, kind: str) -> str:
        self.counter += 1
        return f"{self.prefix}{kind}{self.counter}"

    def lines(self, n_events: int, start: datetime, span: timedelta) -> Iterator[bytes]:
        """Exactly `n_events` lines, each an event inside the window."""
        begin = start.replace(tzinfo=UTC).timestamp() if start.tzinfo is None else start.timestamp()
        seconds = span.total_seconds()
        left = n_events
        while left > 0:
            base = begin + self.random.random() * seconds * 0.95
            for event in self._conversation(base, begin + seconds):
                if left == 0:
                    return
                left -= 1
                yield orjson.dumps(event) + b"\n"

    def _conversation(self, t: float, end: float) -> Iterator[dict[str, object]]:
        rnd = self.random
        agent = f"agent-{rnd.randrange(self.n_agents):03d}"
        version = "v2" if rnd.random() < 0.3 else "v1"
        session = self._id("s")
        long = rnd.random() < LONG_CONVERSATION_SHARE
        turns = rnd.randint(50, 64) if long else rnd.randint(2, 12)
        step = 0.25 if long else 1.0
        city = rnd.choice(_CITIES)
        order = f"order:W{rnd.randrange(10**6)}"

        def ts() -> str:
            nonlocal t
            t = min(t + step * rnd.random(), end - 0.001)
            return _iso(t)

        for turn in range(1, turns + 1):
            yield {
                "event_id": self._id("u"), "event_type": "user_message", "ts": ts(),
                "session_id": session, "turn": turn, "agent_id": agent,
                "facts_provided": [order, f"city={city}"] if turn == 1 else [],
                "fields_provided": ["budget"] if turn == 2 else [],
            }
            response = self._response(agent, version, session, turn, ts())
            response["facts_referenced"] = self._references(order, city, turn)
            yield response
            if rnd.random() < 0.02:
                shadow = dict(response, event_id=self._id("h"), deployment="shadow",
                              shadow_of=response["event_id"], ts=ts())
                yield shadow
            if rnd.random() < 0.05:
                yield {
                    "event_id": self._id("v"), "event_type": "review", "ts": ts(),
                    "target_event_id": response["event_id"], "verdict": rnd.choice(_VERDICTS),
                    "reviewer": "bench",
                }
        if rnd.random() < 0.03:
            kind = "handoff_request" if rnd.random() < 0.7 else "abandon"
            yield {"event_id": self._id("e"), "event_type": "escalation", "ts": ts(),
                   "session_id": session, "kind": kind, "agent_id": agent}
        if rnd.random() < 0.04:
            yield from self._workflow(agent, ts)

    def _response(self, agent: str, version: str, session: str, turn: int, ts: str) -> dict[str, object]:
        rnd = self.random
        event: dict[str, object] = {
            "event_id": self._id("r"), "event_type": "agent_response", "ts": ts,
            "agent_id": agent, "agent_version": version, "session_id": session, "turn": turn,
            "trace_id": f"{rnd.getrandbits(64):016x}",
            "confidence": round(0.55 + 0.45 * rnd.random(), 4),
            "confidence_source": "self_reported",
            "input_tokens": rnd.randint(50, 3000), "output_tokens": rnd.randint(5, 600),
            "latency_ms": round(200 + 1800 * rnd.random(), 1),
            "input_hash": f"h{rnd.randrange(500)}",
            "model": "bench-model",  # an unnamed field: kept in `attributes`
        }
        roll = rnd.random()
        if roll < 0.3:
            event["token_logprobs"] = [-rnd.random() * 2 for _ in range(8)]
            event["confidence_source"] = "logprob"
        elif roll < 0.5:
            event["text"] = rnd.choice(_TEXTS)
        if rnd.random() < 0.25:
            name, path = rnd.choice(_DECISIONS)
            event["decision"] = {"name": name, "value": rnd.random() < 0.8, "path": path}
        if rnd.random() < 0.05:
            event["flags"] = rnd.choice(_FLAGS)
        if rnd.random() < 0.02:
            event["status"] = "error"
            event["error_type"] = "timeout"
        if rnd.random() < (0.3 if turn == 1 else 0.02):
            event["fields_requested"] = ["budget"]
        return event

    def _references(self, order: str, city: str, turn: int) -> list[str]:
        """The facts a response at `turn` references: the order, the city, or a recent fact."""
        rnd = self.random
        if rnd.random() < 0.01:
            return [f"city={rnd.choice(_CITIES)}"]
        if turn < 20 or rnd.random() < 0.4:
            return [order]
        return [f"note:t{turn - rnd.randrange(3)}"]

    def _workflow(self, agent: str, ts) -> Iterator[dict[str, object]]:  # type: ignore[no-untyped-def]
        rnd = self.random
        run = self._id("w")
        yield {"event_id": self._id("wr"), "event_type": "workflow_run", "ts": ts(),
               "workflow_id": "refund", "workflow_run_id": run, "status": "started"}
        failed = rnd.random() < 0.1
        for index, step_id in enumerate(("lookup", "decide", "notify")):
            status = "failed" if failed and index == 1 else ("skipped" if failed and index == 2 else "succeeded")
            step_agent = agent if index != 2 else f"agent-{rnd.randrange(self.n_agents):03d}"
            yield {
                "event_id": self._id("ws"), "event_type": "workflow_step", "ts": ts(),
                "workflow_id": "refund", "workflow_run_id": run, "step_id": step_id,
                "agent_id": step_agent, "status": status,
                "depends_on": [] if index == 0 else [("lookup", "decide")[index - 1]],
            }
        yield {"event_id": self._id("wr"), "event_type": "workflow_run", "ts": ts(),
               "workflow_id": "refund", "workflow_run_id": run,
               "status": "failed" if failed else "completed"}


def write_bench_file(
    path: Path, n_events: int, start: datetime, span: timedelta = timedelta(hours=1), **kwargs: object
) -> Path:
    """Write `n_events` events inside [start, start + span) to a JSONL file."""
    writer = BenchEventWriter(**kwargs)  # type: ignore[arg-type]
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb", buffering=1 << 20) as stream:
        chunk: list[bytes] = []
        for line in writer.lines(n_events, start, span):
            chunk.append(line)
            if len(chunk) >= 10000:
                stream.write(b"".join(chunk))
                chunk.clear()
        stream.write(b"".join(chunk))
    return path
