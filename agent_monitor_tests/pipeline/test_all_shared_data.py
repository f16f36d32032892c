"""Every file of ../shared/data ingested and built: the tables against counts made here from
the raw JSON, independently of the adapters.

Rules applied to the raw JSON (docs/adapters.md):
- agent = the model: tau-bench `gpt-4o-airline` -> gpt-4o; tau2 `info.agent_info.llm`, and a
  fine-tuned file shadows its `gpt-4.1_<scenario>` sibling, so it is agent gpt-4.1 too;
- each trajectory/simulation is one session and one run; the run ends at its end (tau2:
  max(end_time, last message), tau-bench: start + len(traj) × 20 s with start = 2024-06-01 +
  trial days + task × 20 min) and is completed when reward == 1;
- a session belongs to the hour of its first primary assistant message (a fine-tuned
  simulation's last assistant message is its shadow response when the primary file has the
  same task and trial); it is a handoff session when the agent calls transfer_to_human_agents.
"""

from __future__ import annotations

import json
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta

import dagster as dg
import pytest
from sqlalchemy import select

from agent_monitor.build import build_window
from agent_monitor.defs.resources import MonitorSettings, Warehouse
from agent_monitor.demo import _event_spans
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.rollup.coherence import session_rows_profiled
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor.lib.warehouse.tables_metrics import agent_metrics_hourly, session_coherence
from agent_monitor.lib.warehouse.tables_raw import raw_events
from agent_monitor_tests.conftest import SHARED_DATA

HOUR = timedelta(hours=1)
TAU_BASE = datetime(2024, 6, 1, tzinfo=UTC)
Key = tuple[datetime, str]


def _hour(moment: datetime) -> datetime:
    return moment.replace(minute=0, second=0, microsecond=0, tzinfo=None)


def _utc(value: str) -> datetime:
    return datetime.fromisoformat(value).replace(tzinfo=UTC)


def _calls(message: dict) -> list[str]:
    return [(c.get("function") or c).get("name") for c in message.get("tool_calls") or []]


def expected_counts() -> tuple[dict[Key, Counter[str]], int]:
    """Per (hour, agent): sessions, handoff sessions, runs ended, runs completed; and runs."""
    out: dict[Key, Counter[str]] = defaultdict(Counter)
    runs = 0
    for trajectory in json.loads((SHARED_DATA / "tau-bench" / "gpt-4o-airline.json").read_text()):
        runs += 1
        start = TAU_BASE + timedelta(days=trajectory["trial"], minutes=20 * trajectory["task_id"])
        traj = trajectory["traj"]
        first = next(p for p, m in enumerate(traj) if m["role"] == "assistant")
        session_hour = _hour(start + timedelta(seconds=20 * first))
        out[(session_hour, "gpt-4o")]["n_sessions"] += 1
        if any("transfer_to_human_agents" in _calls(m) for m in traj if m["role"] == "assistant"):
            out[(session_hour, "gpt-4o")]["n_handoff_sessions"] += 1
        end_hour = _hour(start + timedelta(seconds=20 * len(traj)))
        out[(end_hour, "gpt-4o")]["n_runs_ended"] += 1
        out[(end_hour, "gpt-4o")]["n_runs_completed"] += trajectory["reward"] == 1
    folder = SHARED_DATA / "tau2-bench"
    for path in sorted(folder.glob("*.json")):
        document = json.loads(path.read_text())
        label, _, scenario = path.stem.partition("_")
        base = folder / f"{label.split('-finetuned')[0]}_{scenario}.json"
        shadow_of: set[tuple[str, object]] = set()
        if "-finetuned" in label and base.exists():
            shadow_of = {(str(s["task_id"]), s.get("trial"))
                         for s in json.loads(base.read_text())["simulations"]}
        agent = "gpt-4.1" if "-finetuned" in label else document["info"]["agent_info"]["llm"]
        for simulation in document["simulations"]:
            runs += 1
            messages = simulation["messages"]
            assistant = [m for m in messages if m["role"] == "assistant"]
            if (str(simulation["task_id"]), simulation.get("trial")) in shadow_of:
                assistant = assistant[:-1]  # the final response is the shadow
            if assistant:
                session_hour = _hour(_utc(assistant[0]["timestamp"]))
                out[(session_hour, agent)]["n_sessions"] += 1
                if any("transfer_to_human_agents" in _calls(m)
                       for m in messages if m["role"] == "assistant"):
                    out[(session_hour, agent)]["n_handoff_sessions"] += 1
            end = max(_utc(simulation["end_time"]), _utc(messages[-1]["timestamp"]))
            out[(_hour(end), agent)]["n_runs_ended"] += 1
            out[(_hour(end), agent)]["n_runs_completed"] += simulation["reward_info"]["reward"] == 1
    return out, runs


@pytest.fixture(scope="module")
def warehouse(module_warehouse_url: str, tmp_path_factory: pytest.TempPathFactory) -> str:
    if not SHARED_DATA.is_dir():
        pytest.skip("the shared agent logs are not available")
    home = tmp_path_factory.mktemp("home")
    config = home / "config.yaml"
    config.write_text("{}\n")
    engine = open_warehouse(module_warehouse_url)
    files = sorted(SHARED_DATA.rglob("*.json"))
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("AGENT_MONITOR_HOME", str(home))
        patch.setenv("AGENT_MONITOR_CONFIG", str(config))
        for path in files:
            result = ingest_path(engine, path)
            assert result.quarantined == 0, result.summary()
        from agent_monitor.definitions import defs

        with dg.instance_for_test() as instance:
            for first, last in _event_spans(engine):
                build_window(defs, instance, first, last, warehouse=Warehouse(url=module_warehouse_url),
                             settings=MonitorSettings(path=str(config)), quiet=True)
    engine.dispose()
    return module_warehouse_url


def _rows(url: str, table, **where) -> list[dict]:  # type: ignore[no-untyped-def]
    engine = open_warehouse(url)
    statement = select(table)
    for column, value in where.items():
        statement = statement.where(table.c[column] == value)
    with engine.connect() as connection:
        rows = [dict(r._mapping) for r in connection.execute(statement)]
    engine.dispose()
    return rows


def test_every_simulation_is_a_run(warehouse: str) -> None:
    _, runs = expected_counts()
    ends = _rows(warehouse, raw_events, event_type="workflow_run")
    assert runs == 500
    assert len({r["workflow_run_id"] for r in ends if r["status"] != "started"}) == runs


def test_hourly_sessions_handoffs_and_runs_match_the_raw_json(warehouse: str) -> None:
    expected, _ = expected_counts()
    columns = ("n_sessions", "n_handoff_sessions", "n_runs_ended", "n_runs_completed")
    built: dict[Key, Counter[str]] = defaultdict(Counter)
    for row in _rows(warehouse, agent_metrics_hourly, agent_version=""):
        for column in columns:
            if row[column]:
                built[(_hour(row["hour"]), row["agent_id"])][column] += row[column]
    assert {k: dict(v) for k, v in built.items()} == {
        k: {c: n for c, n in v.items() if n} for k, v in expected.items()}
    totals = Counter()
    for counts in expected.values():
        totals.update(counts)
    # 200 + 300 sessions and runs; handoffs and completions as counted above.
    assert (totals["n_sessions"], totals["n_runs_ended"]) == (500, 500)


def test_flagged_sessions_by_kind(warehouse: str) -> None:
    # Read by hand (agent_monitor_tests/lib/adapters/test_profiler_real.py and the docs):
    # 3 sessions re-ask a field, 5 loop on the same tool call, 1 repeats a question,
    # 1 has low coherence (and a loop).
    kinds: Counter[str] = Counter()
    for row in _rows(warehouse, session_coherence):
        if row["flagged"]:
            kinds.update(row["flag_reasons"])
    assert kinds == {"reasked_field": 3, "tool_loop": 5, "repeated_question": 1,
                     "low_coherence": 1}


def test_session_rows_written_in_sql_equal_the_python_profiler(warehouse: str) -> None:
    """The rows the database wrote (sql/metrics/session_profiles.sql) are those the profiler
    makes from each session's events in Python, hour by hour, findings included."""
    written = {r["session_id"]: r for r in _rows(warehouse, session_coherence)}
    engine = open_warehouse(warehouse)
    expected: dict[str, dict] = {}
    with engine.connect() as connection:
        for hour in sorted({r["hour"] for r in written.values()}):
            expected.update({r["session_id"]: r for r in session_rows_profiled(connection, hour, hour + timedelta(hours=1))})
    engine.dispose()
    assert written.keys() == expected.keys()
    columns = [c for c in expected[next(iter(expected))] if c != "session_id"]
    differing = [(s, c, written[s][c], expected[s][c]) for s in sorted(expected) for c in columns
                 if (written[s][c] or [] if c == "findings" else written[s][c]) != expected[s][c]]
    assert differing == []
    assert sum(1 for r in expected.values() if r["findings"]) >= 9
