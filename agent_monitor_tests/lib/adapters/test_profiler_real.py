"""The session profiler on real transcripts: sessions read by hand, the turn each finding names.

Turns count user and assistant messages (tool results do not), from 1.

- tau-bench task 26 trial 0: the user gives user ID aarav_ahmed_6699 and reservations
  IFOYYZ, NQNU5R at turn 3; at turn 12 the agent asks "Please provide me with your user ID
  and the reservation ID for the reservation you wish to upgrade."
- tau-bench task 23 trial 0: reservation HXDUBJ at turn 1; turns 26 and 32 ask for "your
  user ID and the reservation ID" again (the user never had the user ID: not a re-ask).
- tau2 gpt-4o telecom 61b38ea1: the user says "My phone number is 555-123-2002" at turn 10;
  at turn 12 the agent asks "Please provide your phone number so I can look up your account".
- tau2 gpt-4.1-finetuned telecom cae68900: get_details_by_id {"id": "P1002"} at messages
  10, 12, 14, … with no user message between: the third identical call (message 14) is
  turn 10; the loop then runs to the end of the simulation.
Must not flag:
- tau2 gpt-4.1 airline b762699f: a short clean lookup.
- tau2 gpt-4.1-finetuned retail 5c24791c: "let me know if you'd like to try a different
  email" after a failed lookup: another value, not the one given.
- tau-bench task 5 trial 2: "Once you have the reservation ID [of the New York trip]": the
  user's reservation was another trip.
- tau2 gpt-4.1-finetuned telecom 731d07dc: get_details_by_id L1002 after each of the user's
  device checks: a user message between each call, so not a loop.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from agent_monitor.lib.adapters.detect import iter_source_records
from agent_monitor.lib.metrics.coherence import session_profile

CASES = [
    ("tau-bench/gpt-4o-airline.json", "tau-bench:gpt-4o-airline:task26:trial0",
     [("reasked_field", 12, "reservation_id"), ("reasked_field", 12, "user_id")]),
    ("tau-bench/gpt-4o-airline.json", "tau-bench:gpt-4o-airline:task23:trial0",
     [("reasked_field", 26, "reservation_id"), ("reasked_field", 32, "reservation_id")]),
    ("tau2-bench/gpt-4o_telecom_2025-08-10.json",
     "tau2:gpt-4o_telecom_2025-08-10:61b38ea1-44d9-4207-870a-019d223bffab",
     [("reasked_field", 12, "phone")]),
    ("tau2-bench/gpt-4.1-finetuned_telecom.json",
     "tau2:gpt-4.1-finetuned_telecom:cae68900-b90b-412c-a2d6-7b43e57275d7",
     [("tool_loop", 10, "")]),
    ("tau2-bench/gpt-4.1_airline.json",
     "tau2:gpt-4.1_airline:b762699f-cf72-4a2f-b500-5bbe1258209c", []),
    ("tau2-bench/gpt-4.1-finetuned_retail.json",
     "tau2:gpt-4.1-finetuned_retail:5c24791c-f947-41db-afde-8125c9de5b12", []),
    ("tau-bench/gpt-4o-airline.json", "tau-bench:gpt-4o-airline:task5:trial2", []),
    ("tau2-bench/gpt-4.1-finetuned_telecom.json",
     "tau2:gpt-4.1-finetuned_telecom:731d07dc-2c4a-46f8-bac4-99723590826b", []),
]

_CACHE: dict[Path, dict[str, list[dict[str, Any]]]] = {}


def _sessions(path: Path) -> dict[str, list[dict[str, Any]]]:
    if path not in _CACHE:
        sessions: dict[str, list[dict[str, Any]]] = defaultdict(list)
        records = iter_source_records(path)
        assert records is not None
        for record in records:
            event = record.event
            if event and event["event_type"] in ("user_message", "agent_response"):
                row = {**event, "ts": datetime.fromisoformat(event["ts"].replace("Z", "+00:00"))}
                sessions[event["session_id"]].append(row)
        _CACHE[path] = sessions
    return _CACHE[path]


@pytest.mark.parametrize(("file", "session_id", "expected"), CASES,
                         ids=[c[1].split(":")[-1][:12] for c in CASES])
def test_profiler_on_real_sessions(data_dir: Path, file: str, session_id: str,
                                   expected: list[tuple[str, int, str]]) -> None:
    profile = session_profile(_sessions(data_dir / file)[session_id])
    assert [(f.kind, f.turn, f.detail) for f in profile.findings] == expected
    assert profile.flagged == bool(expected)
