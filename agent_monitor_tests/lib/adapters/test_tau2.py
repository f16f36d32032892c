"""tau2 adapter against gpt-4.1_airline.json, with counts taken by hand from the raw file."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from agent_monitor.lib.adapters import tau2


def _events(path: Path, primary: Path | None = None) -> list[dict[str, Any]]:
    records = list(tau2.iter_records(path, primary))
    assert all(r.event is not None for r in records), "no simulation is malformed"
    return [r.event for r in records if r.event is not None]


def test_file_level_counts(data_dir: Path) -> None:
    events = _events(data_dir / "tau2-bench" / "gpt-4.1_airline.json")
    # Counted by hand from the raw JSON (json.load + len/sum over `simulations`):
    # 20 simulations; 3 contain a transfer_to_human_agents tool call; 10 have reward 1.0;
    # 148 tool calls, each answered by one tool message, 1 with error=true (simulation 12,
    # turn 21, "Payment amount does not add up"); 136 user and 226 assistant messages.
    types = Counter(e["event_type"] for e in events)
    assert types == {
        "agent_response": 226,
        "user_message": 136,
        "workflow_step": 148 + 20,  # + one "conversation" step per simulation
        "workflow_run": 40,  # started + end for each of the 20 runs
        "escalation": 3,
    }
    assert len({e["session_id"] for e in events}) == 20
    assert len({e["session_id"] for e in events if e["event_type"] == "escalation"}) == 3
    ends = Counter(e["status"] for e in events if e["event_id"].endswith(":run:end"))
    assert ends == {"completed": 10, "failed": 10}
    failed = [e for e in events if e["event_type"] == "workflow_step" and e["status"] == "failed"]
    assert [(f["step_id"], f["tool_name"], f["error_type"]) for f in failed] == [
        ("step:20.0", "book_reservation", "tool_error")
    ]
    assert failed[0]["session_id"] == "tau2:gpt-4.1_airline:09cc350d-f5d3-41b0-a107-003a301b212f"
    assert len({e["event_id"] for e in events}) == len(events)


def test_first_simulation_by_hand(data_dir: Path) -> None:
    events = [
        e for e in _events(data_dir / "tau2-bench" / "gpt-4.1_airline.json")
        if e["session_id"] == "tau2:gpt-4.1_airline:b762699f-cf72-4a2f-b500-5bbe1258209c"
    ]
    by_id = {e["event_id"].rsplit(":", 2)[-2] + ":" + e["event_id"].rsplit(":", 1)[-1]: e
             for e in events}
    # Messages (role, turn_idx): a0 u1 a2 u3 a4 t5 a6 u7 a8 t9 a10 u11 a12 u13 a14 t15 a16 u17:
    # 9 responses, 6 user turns, 3 tool steps (turns 4, 8, 14) + run start and end = 20 events.
    assert len(events) == 21  # + the conversation step
    turns = [(e["event_type"][0], e["turn"]) for e in events if "turn" in e]
    assert turns == [("a", 1), ("u", 2), ("a", 3), ("u", 4), ("a", 5), ("a", 6), ("u", 7),
                     ("a", 8), ("a", 9), ("u", 10), ("a", 11), ("u", 12), ("a", 13), ("a", 14),
                     ("u", 15)]
    assert by_id["msg:3"]["facts_provided"] == ["user:james_lee_6136"]
    assert by_id["msg:7"]["facts_provided"] == ["reservation:XEWRD9"]
    assert by_id["msg:4"]["facts_referenced"] == ["user:james_lee_6136"]
    assert by_id["msg:8"]["facts_referenced"] == ["reservation:XEWRD9"]
    # a4 at 16:20:50.283373 answers u3 at 16:20:47.470993: 2.812380 s; usage 3437 in / 22 out.
    assert by_id["msg:4"]["latency_ms"] == 2812.38
    assert (by_id["msg:4"]["input_tokens"], by_id["msg:4"]["output_tokens"]) == (3437, 22)
    steps = [e for e in events if e["event_type"] == "workflow_step"]
    assert (steps[-1]["step_id"], steps[-1]["status"], steps[-1]["agent_id"]) == (
        "conversation", "succeeded", "gpt-4.1")
    steps.pop()
    assert [(s["step_id"], s["depends_on"], s["status"]) for s in steps] == [
        ("step:4.0", [], "succeeded"),
        ("step:8.0", ["step:4.0"], "succeeded"),
        ("step:14.0", ["step:8.0"], "succeeded"),
    ]
    assert steps[0]["ts"] == "2025-08-01T16:20:50.284163Z"  # the tool message's time
    assert steps[0]["started_at"] == "2025-08-01T16:20:50.283373Z"  # the call's time
    # start_time 16:20:44.321269 is before the first message; end_time .551551 after the last.
    assert events[0]["ts"] == "2025-08-01T16:20:44.321269Z"
    assert (events[-1]["status"], events[-1]["ts"]) == ("completed", "2025-08-01T16:21:03.551551Z")
    # Only read-only tools (get_*) were called: the final response's action list is empty.
    assert by_id["msg:16"]["decision"] == {"name": "actions", "value": "[]", "path": "content"}
    assert "deployment" not in by_id["msg:16"]


def test_finetuned_run_shadows_the_base_run(data_dir: Path) -> None:
    folder = data_dir / "tau2-bench"
    events = _events(folder / "gpt-4.1-finetuned_airline.json", folder / "gpt-4.1_airline.json")
    shadows = [e for e in events if e.get("deployment") == "shadow"]
    # Both files hold the same 20 task IDs with trial 0: every run's final response pairs.
    assert len(shadows) == 20
    task13 = [
        s for s in shadows
        if s["session_id"] == "tau2:gpt-4.1-finetuned_airline:71fd3e8f-81c4-479f-b6c5-9486cb61dae6"
    ]
    # Task 13 in the base file is simulation b762699f…, whose last assistant message is turn 16.
    assert task13[0]["shadow_of"] == (
        "tau2:gpt-4.1_airline:b762699f-cf72-4a2f-b500-5bbe1258209c:msg:16"
    )
    # The fine-tuned agent handed off; handoff summaries are left out of the action list.
    assert task13[0]["decision"]["value"] == '[["transfer_to_human_agents",{}]]'
    assert task13[0]["agent_version"] == "ft:gpt-4.1-2025-04-14:sierra:tau2-full-sft:BzrYdMNm"
