"""SPEC §8 through the asset: the filling hour judged as of the build, M5 stalls and late
terminal statuses, M7 sessions owned by the hour of their first response. Every expected value
is worked out by hand in the comments, on SQLite and PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_monitor.lib.warehouse.tables_metrics import agent_metrics_hourly as table
from agent_monitor_tests.defs.metrics.harness import Seeded, escalation, hour, run, step
from agent_monitor_tests.events import response, user_message

H10, H11, H12 = "2026-01-05-10:00", "2026-01-05-11:00", "2026-01-05-12:00"


def ts(clock: str) -> str:
    return f"2026-01-05T{clock}Z"


def agent_row(seeded: Seeded, key: str, agent: str) -> dict:
    return seeded.one(table, hour=hour(key), agent_id=agent, agent_version="")


def test_the_filling_hour_counts_only_time_that_has_passed(warehouse_url: str, tmp_path: Path) -> None:
    seeded = Seeded(warehouse_url, tmp_path)
    # Ten runs started at 10:0i with one step of B at 10:0i:30 and no terminal status yet.
    runs = []
    for i in range(10):
        runs += [run(f"ra{i}", ts(f"10:0{i}:00"), f"rr{i}", "started"),
                 step(f"rs{i}", ts(f"10:0{i}:30"), f"rr{i}", "B")]
    # C is healthy (three successes), then fails at 10:05:30.
    c = [response(f"c{i}", ts(f"10:0{i}:00"), agent_id="C", session_id="sc") for i in range(3)]
    seeded.ingest([*runs, *c, response("c9", ts("10:05:30"), agent_id="C", session_id="sc", status="error")])

    # Built at 10:10: no run has been silent for 30 min (the first stalls at 10:30:30), and
    # C's incident is 10:10:00 − 10:05:30 = 270 s old.
    seeded.materialize(H10, selection=["agent_metrics_hourly"], as_of=ts("10:10:00"))
    b, c_row = agent_row(seeded, H10, "B"), agent_row(seeded, H10, "C")
    assert (b["n_runs_ended"], b["m5_completion_rate"]) == (0, None)
    assert c_row["m6_open_incident_age_seconds"] == pytest.approx(270.0)
    assert (b["as_of"], c_row["as_of"]) == (hour(H10).replace(minute=10), hour(H10).replace(minute=10))

    # Built at 10:35: runs 0–4 have stalled (10:30:30 … 10:34:30 < 10:35); C's incident 1770 s.
    seeded.materialize(H10, selection=["agent_metrics_hourly"], as_of=ts("10:35:00"))
    b, c_row = agent_row(seeded, H10, "B"), agent_row(seeded, H10, "C")
    assert (b["n_runs_ended"], b["n_runs_completed"], b["m5_completion_rate"]) == (5, 0, 0.0)
    assert c_row["m6_open_incident_age_seconds"] == pytest.approx(1770.0)

    # Built after the hour: all ten stalled inside hour 10; the age is taken at 11:00 (3270 s)
    # and the rows are judged as of the hour's end.
    seeded.materialize(H10, selection=["agent_metrics_hourly"], as_of=ts("12:00:00"))
    b, c_row = agent_row(seeded, H10, "B"), agent_row(seeded, H10, "C")
    assert (b["n_runs_ended"], b["n_runs_completed"]) == (10, 0)
    assert c_row["m6_open_incident_age_seconds"] == pytest.approx(3270.0)
    assert b["as_of"] == hour(H11)


def test_an_hour_not_yet_begun_has_no_rows(warehouse_url: str, tmp_path: Path) -> None:
    seeded = Seeded(warehouse_url, tmp_path)
    seeded.ingest([response("r1", ts("10:05:00")), response("r2", ts("11:05:00"), status="error")])
    seeded.materialize(H11, selection=["agent_metrics_hourly"], as_of=ts("10:30:00"))
    assert seeded.rows(table, hour=hour(H11)) == []


def test_a_34_minute_step_in_a_completed_run_is_not_a_stall(warehouse_url: str, tmp_path: Path) -> None:
    seeded = Seeded(warehouse_url, tmp_path)
    # Started 10:00; C's only step ran 10:01 → 10:35 (started_at); completed 10:36.
    long_step = {**step("x1", ts("10:35:00"), "rx", "C"), "started_at": ts("10:01:00")}
    seeded.ingest([run("x0", ts("10:00:00"), "rx", "started"), long_step,
                   run("x2", ts("10:36:00"), "rx", "completed")])
    seeded.materialize(H10, selection=["agent_metrics_hourly"], as_of=ts("12:00:00"))
    c = agent_row(seeded, H10, "C")
    # One run ended in hour 10, completed, and C ran its step: 1/1.
    assert (c["n_runs_ended"], c["n_runs_completed"], c["m5_completion_rate"]) == (1, 1, 1.0)


def test_exactly_30_minutes_of_silence_is_not_yet_a_stall(warehouse_url: str, tmp_path: Path) -> None:
    seeded = Seeded(warehouse_url, tmp_path)
    # ry: B's step at 10:00:00, then nothing. rz: steps at 10:00:00 and exactly 10:30:00,
    # completed 10:31:00 (a 30-minute gap inside a run that goes on is no stall either).
    seeded.ingest([step("y1", ts("10:00:00"), "ry", "B"),
                   step("z1", ts("10:00:00"), "rz", "D"), step("z2", ts("10:30:00"), "rz", "D"),
                   run("z3", ts("10:31:00"), "rz", "completed")])
    seeded.materialize(H10, selection=["agent_metrics_hourly"], as_of=ts("10:30:00"))
    assert agent_row(seeded, H10, "B")["n_runs_ended"] == 0
    # One second later ry has stalled, at 10:30:00 (hour 10): B 0/1.
    seeded.materialize(H10, selection=["agent_metrics_hourly"], as_of=ts("10:30:01"))
    b = agent_row(seeded, H10, "B")
    assert (b["n_runs_ended"], b["n_runs_completed"]) == (1, 0)
    seeded.materialize(H10, selection=["agent_metrics_hourly"], as_of=ts("12:00:00"))
    d = agent_row(seeded, H10, "D")
    assert (d["n_runs_ended"], d["n_runs_completed"]) == (1, 1)


def test_a_late_terminal_status_wins_and_rebuilds_the_stall_hour(warehouse_url: str, tmp_path: Path) -> None:
    seeded = Seeded(warehouse_url, tmp_path)
    # rw: started 10:10, B's step 10:20, then silence: stalled at 10:50, counted in hour 10.
    seeded.ingest([run("w0", ts("10:10:00"), "rw", "started"), step("w1", ts("10:20:00"), "rw", "B")])
    seeded.materialize(H10, H12, selection=["agent_metrics_hourly"], as_of=ts("12:45:00"))
    b10 = agent_row(seeded, H10, "B")
    assert (b10["n_runs_ended"], b10["n_runs_completed"]) == (1, 0)
    # The run's terminal status arrives late: completed at 12:30. Ingestion marks hour 12 (its
    # own) and hour 10 (where the run had been counted as stalled) as changed.
    late = seeded.ingest([run("w2", ts("12:30:00"), "rw", "completed")])
    assert {hour(H10), hour(H12)} <= late.hours_touched
    seeded.materialize(H10, H12, selection=["agent_metrics_hourly"], as_of=ts("13:00:00"))
    # Hour 10: B has no ended run any more; hour 12: the run completed at 12:30: B 1/1.
    assert agent_row(seeded, H10, "B")["n_runs_ended"] == 0
    b12 = agent_row(seeded, H12, "B")
    assert (b12["n_runs_ended"], b12["n_runs_completed"]) == (1, 1)


def test_escalations_after_the_hour_count_in_the_hour_that_owns_the_session(
    warehouse_url: str, tmp_path: Path
) -> None:
    seeded = Seeded(warehouse_url, tmp_path)
    # Three sessions answered by A in hour 10.
    seeded.ingest([
        user_message("u1", ts("10:09:00"), session_id="s1"), response("r1", ts("10:10:00"), agent_id="A", session_id="s1"),
        user_message("u2", ts("10:19:00"), session_id="s2"), response("r2", ts("10:20:00"), agent_id="A", session_id="s2"),
        user_message("u3", ts("10:29:00"), session_id="s3"), response("r3", ts("10:30:00"), agent_id="A", session_id="s3"),
    ])
    seeded.materialize(H10, H11, selection=["agent_metrics_hourly"], as_of=ts("11:00:00"))
    assert agent_row(seeded, H10, "A")["n_handoff_sessions"] == 0
    # The people asked for a human (twice) and left (once) in the next hour, in a later file.
    late = seeded.ingest([escalation("e1", ts("11:05:00"), "s1", "handoff_request"),
                          escalation("e2", ts("11:15:00"), "s2", "handoff_request"),
                          escalation("e3", ts("11:20:00"), "s3", "abandon")])
    assert {hour(H10), hour(H11)} <= late.hours_touched
    seeded.materialize(H10, H11, selection=["agent_metrics_hourly"], as_of=ts("12:00:00"))
    a10 = agent_row(seeded, H10, "A")
    # Hour 10 owns all three sessions: escalation 2/3, abandonment 1/3.
    assert (a10["n_sessions"], a10["n_handoff_sessions"], a10["n_abandon_sessions"]) == (3, 2, 1)
    assert a10["m7_escalation_rate"] == pytest.approx(2 / 3)
    assert a10["m7_abandonment_rate"] == pytest.approx(1 / 3)
    # Hour 11 holds no session of A (no response of A there): summed over both hours, 2/3.
    assert seeded.rows(table, hour=hour(H11), agent_id="A") == []


def test_a_session_moves_to_the_hour_of_an_earlier_response_that_arrives_late(
    warehouse_url: str, tmp_path: Path
) -> None:
    seeded = Seeded(warehouse_url, tmp_path)
    seeded.ingest([response("r2", ts("11:10:00"), agent_id="A", session_id="s9")])
    seeded.materialize(H10, H11, selection=["agent_metrics_hourly"], as_of=ts("12:00:00"))
    assert agent_row(seeded, H11, "A")["n_sessions"] == 1
    # A's response of 10:50 in the same session arrives later: hour 10 now owns s9, and
    # ingestion marks hour 11 (the former owner) as changed too.
    late = seeded.ingest([response("r1", ts("10:50:00"), agent_id="A", session_id="s9")])
    assert {hour(H10), hour(H11)} <= late.hours_touched
    seeded.materialize(H10, H11, selection=["agent_metrics_hourly"], as_of=ts("12:00:00"))
    assert (agent_row(seeded, H10, "A")["n_sessions"], agent_row(seeded, H11, "A")["n_sessions"]) == (1, 0)


def test_two_versions_in_one_session_count_it_once_at_agent_level(warehouse_url: str, tmp_path: Path) -> None:
    seeded = Seeded(warehouse_url, tmp_path)
    # s1: user 10:04, A/v1 10:05, A/v2 10:06, handoff 10:07; s2: A/v2 alone, 10:30.
    seeded.ingest([
        user_message("u1", ts("10:04:00"), session_id="s1"),
        response("r1", ts("10:05:00"), agent_id="A", agent_version="v1", session_id="s1"),
        response("r2", ts("10:06:00"), agent_id="A", agent_version="v2", session_id="s1"),
        escalation("e1", ts("10:07:00"), "s1", "handoff_request"),
        response("r3", ts("10:30:00"), agent_id="A", agent_version="v2", session_id="s2"),
    ])
    seeded.materialize(H10, selection=["agent_metrics_hourly"], as_of=ts("12:00:00"))
    a = agent_row(seeded, H10, "A")
    # Two sessions, one with a handoff: 1/2 (not 2/3 from summing the versions' sessions).
    assert (a["n_sessions"], a["n_handoff_sessions"], a["m7_escalation_rate"]) == (2, 1, 0.5)
    # P3: s1 is active 10:04 → 10:07 = 3 min with 1 user turn; s2 one event → 1 min. Σ = 4.
    assert (a["user_turns"], a["active_session_minutes"]) == (1, pytest.approx(4.0))
    v2 = seeded.one(table, hour=hour(H10), agent_id="A", agent_version="v2")
    assert (v2["n_responses"], v2["n_sessions"], v2["m7_escalation_rate"]) == (2, None, None)
