"""tau-bench adapter against gpt-4o-airline.json, with counts taken by hand from the raw file."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import orjson

from agent_monitor.lib.adapters import tau_bench


def _by_location(path: Path) -> dict[int, list[dict[str, Any]]]:
    grouped: dict[int, list[dict[str, Any]]] = {}
    for record in tau_bench.iter_records(path):
        assert record.event is not None, record.reject_reason
        grouped.setdefault(record.location, []).append(record.event)
    return grouped


def test_whole_file_counts(data_dir: Path) -> None:
    grouped = _by_location(data_dir / "tau-bench" / "gpt-4o-airline.json")
    events = [e for group in grouped.values() for e in group]
    # By hand from the raw JSON: 200 trajectories; 84 with reward 1.0; 48 contain a
    # transfer_to_human_agents call; 1164 tool messages, 73 of them starting with "Error";
    # 1490 user and 2454 assistant messages (the 200 system prompts make no event).
    assert len(grouped) == 200
    types = Counter(e["event_type"] for e in events)
    assert types == {"agent_response": 2454, "user_message": 1490, "workflow_step": 1164 + 200,
                     "workflow_run": 400, "escalation": 48}
    ends = Counter(e["status"] for e in events if e["event_id"].endswith(":run:end"))
    assert ends == {"completed": 84, "failed": 116}
    steps = Counter(e["status"] for e in events if e["event_type"] == "workflow_step")
    assert steps == {"succeeded": 1091 + 200, "failed": 73}  # + 200 conversation steps


def test_first_three_trajectories(data_dir: Path) -> None:
    grouped = _by_location(data_dir / "tau-bench" / "gpt-4o-airline.json")
    # (user, assistant, tool) messages per trajectory, counted by hand:
    # #1 task 0: 8, 15, 8 (one "Error: payment amount does not add up" at position 21);
    # #2 task 1: 6, 5, 0;  #3 task 2: 5, 11, 7.  Plus run started + end each.
    for location, (users, agents, tools, failed) in {
        1: (8, 15, 8, 1), 2: (6, 5, 0, 0), 3: (5, 11, 7, 0)
    }.items():
        types = Counter(e["event_type"] for e in grouped[location])
        expected = {"user_message": users, "agent_response": agents, "workflow_run": 2,
                    "workflow_step": tools + 1}  # + the conversation step
        assert types == expected
        failures = [e for e in grouped[location] if e.get("status") == "failed"
                    and e["event_type"] == "workflow_step"]
        assert len(failures) == failed
    assert [e["step_id"] for e in grouped[1] if e.get("status") == "failed"
            and e["event_type"] == "workflow_step"] == ["step:20.0"]


def test_task_two_trial_zero_by_hand(data_dir: Path) -> None:
    events = _by_location(data_dir / "tau-bench" / "gpt-4o-airline.json")[3]
    prefix = "tau-bench:gpt-4o-airline:task2:trial0"
    by_id = {e["event_id"].removeprefix(prefix + ":"): e for e in events}
    # Synthetic clock: 2024-06-01T00:00Z + trial 0 days + task 2 × 20 min = 00:40:00;
    # message i at +20 s × i; 24 messages, so the run ends at 00:40 + 480 s = 00:48:00.
    assert by_id["run:started"]["ts"] == "2024-06-01T00:40:00.000000Z"
    assert by_id["msg:3"]["ts"] == "2024-06-01T00:41:00.000000Z"
    assert by_id["run:end"]["ts"] == "2024-06-01T00:48:00.000000Z"
    assert by_id["run:end"]["status"] == "failed"  # reward 0.0
    # Position 3: "my user ID is omar_davis_3817"; position 6 looks up reservation JG7FMM.
    assert by_id["msg:3"]["facts_provided"] == ["user:omar_davis_3817"]
    assert by_id["msg:6"]["facts_referenced"] == ["reservation:JG7FMM"]
    assert (by_id["msg:1"]["turn"], by_id["msg:2"]["turn"], by_id["msg:6"]["turn"]) == (1, 2, 5)
    # Tool calls at positions 4, 6, 8, 10, 14, 16, 20, each depending on the one before.
    steps = [(e["step_id"], e["depends_on"]) for e in events if e["event_type"] == "workflow_step"]
    assert steps.pop() == ("conversation", [])  # the agent's step of the run, at its end
    assert steps == [("step:4.0", []), ("step:6.0", ["step:4.0"]), ("step:8.0", ["step:6.0"]),
                     ("step:10.0", ["step:8.0"]), ("step:14.0", ["step:10.0"]),
                     ("step:16.0", ["step:14.0"]), ("step:20.0", ["step:16.0"])]
    # Actions taken: two update_reservation_flights (JG7FMM on 05-21 sorts before 2FBBAH on
    # 05-28 because the canonical strings first differ at the flight date).
    decision = by_id["msg:22"]["decision"]
    actions = orjson.loads(decision["value"])
    assert [(name, args["reservation_id"]) for name, args in actions] == [
        ("update_reservation_flights", "JG7FMM"), ("update_reservation_flights", "2FBBAH")
    ]
    assert by_id["msg:22"]["agent_version"] == "gpt-4o"
    assert by_id["msg:22"]["agent_id"] == "gpt-4o"  # the model (file stem), not the domain
    assert "latency_ms" not in by_id["msg:22"]  # no real clock, no latency


def test_trial_offset_and_shared_input_hash(data_dir: Path) -> None:
    grouped = _by_location(data_dir / "tau-bench" / "gpt-4o-airline.json")
    # Location 51 is task 0, trial 1: one day after task 0 trial 0.
    assert grouped[51][0]["ts"] == "2024-06-02T00:00:00.000000Z"
    finals = [
        [e for e in grouped[loc] if "decision" in e][0] for loc in (1, 51, 101, 151)
    ]
    assert len({f["input_hash"] for f in finals}) == 1  # four trials of the same task
