"""tau2 layouts written by hand: list of simulations, no `info`, placeholder clocks, errors."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import orjson
import pytest

from agent_monitor.lib.adapters import tau2
from agent_monitor.lib.adapters.detect import iter_source_records


def _sim(sim_id: str, *, messages: list[dict[str, Any]] | None, reward: float | None = 1.0,
         start: str = "2025-01-01T00:00", end: str = "2025-01-01T00:00",
         **extra: Any) -> dict[str, Any]:
    return {
        "id": sim_id, "task_id": f"task-{sim_id}", "trial": 0, "start_time": start,
        "end_time": end, "termination_reason": extra.pop("termination_reason", "user_stop"),
        "reward_info": None if reward is None else {"reward": reward},
        "messages": messages, **extra,
    }


def _msg(role: str, text: str, ts: str = "2025-01-01T00:00", **extra: Any) -> dict[str, Any]:
    return {"role": role, "content": text, "timestamp": ts, **extra}


TALK = [
    _msg("assistant", "Hi! How can I help?"),
    _msg("user", "My user id is mia_li_3668."),
    _msg("assistant", "Thanks, one moment."),
]


def _events(tmp_path: Path, name: str, document: Any) -> list[dict[str, Any]]:
    path = tmp_path / name
    path.write_bytes(orjson.dumps(document))
    records = iter_source_records(path)
    assert records is not None
    out = list(records)
    assert all(r.event is not None for r in out), [r.reject_reason for r in out]
    return [r.event for r in out if r.event is not None]


def _runs(events: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {e["workflow_run_id"]: e for e in events if e["event_id"].endswith(":run:end")}


def test_list_of_simulations_is_tau2_named_from_the_file(tmp_path: Path) -> None:
    # A bare list: model and domain come from the `<model>_<domain>` file name.
    events = _events(tmp_path, "o3_retail.json", [_sim("a", messages=TALK), _sim("b", messages=TALK, reward=0.0)])
    from agent_monitor.lib.adapters.detect import detect_format

    assert detect_format(tmp_path / "o3_retail.json") == "tau2"  # what the ledger records
    runs = _runs(events)
    assert {k: v["status"] for k, v in runs.items()} == {
        "tau2:o3_retail:a": "completed", "tau2:o3_retail:b": "failed"}
    assert {v["source_layout"] for v in runs.values()} == {"tau2:list"}
    responses = [e for e in events if e["event_type"] == "agent_response"]
    assert {(e["agent_id"], e["agent_version"]) for e in responses} == {("o3", "o3")}
    assert runs["tau2:o3_retail:a"]["domain"] == "retail"


def test_file_without_info_reads_top_level_domain_and_model(tmp_path: Path) -> None:
    document = {"domain": "airline", "agent_llm": "claude-3-7-sonnet",
                "timestamp": "2025-06-02T10:15:00.5",
                "simulations": [_sim("a", messages=[
                    _msg("user", "Reservation XEWRD9 please"), _msg("assistant", "Looking.")])]}
    events = _events(tmp_path, "results.json", document)
    (run,) = _runs(events).values()
    assert (run["source_layout"], run["domain"], run["agent_version"]) == (
        "tau2:object-no-info", "airline", "claude-3-7-sonnet")
    user = next(e for e in events if e["event_type"] == "user_message")
    assert user["facts_provided"] == ["reservation:XEWRD9"]


def test_placeholder_timestamps_get_the_sequential_synthetic_clock(tmp_path: Path) -> None:
    # File timestamp 2025-06-02T10:15:00.5 is measured: run a starts there, 3 messages 20 s
    # apart, ends at +60 s = 10:16:00.5; run b starts 1 min later (10:17:00.5), ends 10:18:00.5.
    document = {"info": {"agent_info": {"llm": "gpt-5"},
                         "environment_info": {"domain_name": "telecom"}},
                "timestamp": "2025-06-02T10:15:00.5",
                "simulations": [_sim("a", messages=TALK), _sim("b", messages=TALK)]}
    events = _events(tmp_path, "gpt-5_telecom.json", document)
    by_id = {e["event_id"]: e for e in events}
    p = "tau2:gpt-5_telecom:"
    assert by_id[p + "a:run:started"]["ts"] == "2025-06-02T10:15:00.500000Z"
    assert by_id[p + "a:msg:1"]["ts"] == "2025-06-02T10:15:20.500000Z"
    assert by_id[p + "a:run:end"]["ts"] == "2025-06-02T10:16:00.500000Z"
    assert by_id[p + "b:run:started"]["ts"] == "2025-06-02T10:17:00.500000Z"
    assert by_id[p + "b:run:end"]["ts"] == "2025-06-02T10:18:00.500000Z"
    assert by_id[p + "a:run:end"]["clock"] == "synthetic"
    # No measured clock: no latency is invented.
    assert "latency_ms" not in by_id[p + "a:msg:2"]


def test_infrastructure_error_is_a_failed_run_of_the_agent(tmp_path: Path) -> None:
    document = {"info": {"agent_info": {"llm": "grok-3"},
                         "environment_info": {"domain_name": "airline"}},
                "simulations": [_sim("x", messages=None, reward=None,
                                     termination_reason="infrastructure_error",
                                     start="2025-07-01T12:00:01.1", end="2025-07-01T12:00:03.1")]}
    events = _events(tmp_path, "grok-3_airline.json", document)
    assert Counter(e["event_type"] for e in events) == {"workflow_run": 2, "workflow_step": 1}
    (run,) = _runs(events).values()
    assert (run["status"], run["error_type"], run["ts"], run["clock"]) == (
        "failed", "infrastructure_error", "2025-07-01T12:00:03.100000Z", "measured")
    (step,) = [e for e in events if e["event_type"] == "workflow_step"]
    assert (step["agent_id"], step["status"], step["error_type"]) == (
        "grok-3", "failed", "infrastructure_error")


def test_assistant_error_messages_are_error_responses(tmp_path: Path) -> None:
    messages = [
        _msg("user", "hello", "2025-07-01T12:00:01.1"),
        _msg("assistant", "", "2025-07-01T12:00:02.1",
             error="RateLimitError: litellm.RateLimitError: too many requests"),
        _msg("assistant", "", "2025-07-01T12:00:03.1", error=True),
        _msg("assistant", "Hi", "2025-07-01T12:00:04.1"),
    ]
    document = {"info": {"agent_info": {"llm": "qwen3"},
                         "environment_info": {"domain_name": "retail"}},
                "simulations": [_sim("e", messages=messages, start="2025-07-01T12:00:00.1",
                                     end="2025-07-01T12:00:05.1")]}
    events = _events(tmp_path, "qwen3_retail.json", document)
    responses = [(e["status"], e.get("error_type")) for e in events
                 if e["event_type"] == "agent_response"]
    assert responses == [("error", "RateLimitError"), ("error", "message_error"), ("ok", None)]
    (run,) = _runs(events).values()
    assert run["clock"] == "measured"


def test_two_models_in_one_domain_are_two_agents(tmp_path: Path) -> None:
    def doc(llm: str) -> dict[str, Any]:
        return {"info": {"agent_info": {"llm": llm}, "environment_info": {"domain_name": "airline"}},
                "simulations": [_sim("s", messages=TALK)]}
    first = _events(tmp_path, "a.json", doc("gpt-5"))
    second = _events(tmp_path, "b.json", doc("o3"))
    agents = {e["agent_id"] for e in first + second if e["event_type"] == "agent_response"}
    assert agents == {"gpt-5", "o3"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [("2025-01-01T00:00", None), ("2025-01-01T00:00:00Z", None), (None, None), ("soon", None),
     ("2025-08-01T16:20:44.321269", "2025-08-01T16:20:44.321269+00:00")],
)
def test_placeholder_times_are_not_measurements(value: Any, expected: str | None) -> None:
    from agent_monitor.lib.adapters.tau2_layout import measured

    moment = measured(value)
    assert (moment.isoformat() if moment else None) == expected
    assert tau2  # the module under test is importable beside its helpers


def test_near_miss_reservation_becomes_a_name_value_contradiction(tmp_path: Path) -> None:
    messages = [
        _msg("user", "Please cancel reservation IFOYYZ.", "2025-07-01T12:00:01.1"),
        _msg("assistant", "", "2025-07-01T12:00:02.1", tool_calls=[
            {"id": "c1", "name": "get_reservation_details",
             "arguments": {"reservation_id": "IFOYWZ"}}]),
        _msg("tool", "Error: Reservation IFOYWZ not found", "2025-07-01T12:00:03.1",
             id="c1", error=True),
    ]
    document = {"info": {"agent_info": {"llm": "o3"}, "environment_info": {"domain_name": "airline"}},
                "simulations": [_sim("n", messages=messages, start="2025-07-01T12:00:00.1",
                                     end="2025-07-01T12:00:04.1")]}
    events = _events(tmp_path, "o3_airline.json", document)
    user = next(e for e in events if e["event_type"] == "user_message")
    agent = next(e for e in events if e["event_type"] == "agent_response")
    assert user["facts_provided"] == ["reservation:IFOYYZ", "reservation:IFOYYZ=IFOYYZ"]
    assert user["fields_provided"] == ["reservation_id"]
    assert agent["facts_referenced"] == ["reservation:IFOYWZ", "reservation:IFOYYZ=IFOYWZ"]
