"""The dashboard's story: the timeline over the data's range, episodes, firing now, trace pages."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine

from agent_monitor.lib.dashboard import build_dashboard
from agent_monitor.lib.dashboard.history import load_history
from agent_monitor.lib.dashboard.paths import agent_file, trace_file
from agent_monitor.lib.dashboard.traces import highlights, linked_trace_ids
from agent_monitor.lib.warehouse.tables_alerting import alert_notifications, alerts
from agent_monitor.lib.warehouse.tables_health import agent_health
from agent_monitor.lib.warehouse.tables_metrics import session_coherence
from agent_monitor.lib.warehouse.tables_raw import raw_events

H = datetime(2026, 3, 1, 0)
HOUR = timedelta(hours=1)


def _health(agent: str, hour: int, status: str) -> dict[str, Any]:
    return {"hour": H + HOUR * hour, "agent_id": agent, "rule": "overall", "scope": "",
            "status": status, "built_at": H}


def _alert(rule: str, agent: str, episode: int, state: str, fired: int, resolved: int | None,
           **extra: Any) -> dict[str, Any]:
    return {"rule": rule, "scope_key": f"agent={agent}", "episode": episode,
            "alert_key": f"{rule}:agent={agent}", "agent_id": agent, "scope": "", "state": state,
            "severity": "warning", "value": 0.5, "threshold": 0.9, "reason": "r",
            "first_seen": H + HOUR * fired + timedelta(minutes=5),
            "last_seen": H + HOUR * (resolved or 9), "notified_at": H + HOUR * fired,
            "resolved_at": None if resolved is None else H + HOUR * resolved + timedelta(minutes=5),
            "updated_at": H, "inhibited_by": None, "silenced_by": None, **extra}


def _note(rule: str, agent: str, episode: int, kind: str, seq: int, value: float = 0.5,
          blocks: list[Any] | None = None) -> dict[str, Any]:
    return {"idempotency_key": f"{rule}:{agent}:{episode}:{kind}:{seq}", "rule": rule,
            "scope_key": f"agent={agent}", "episode": episode, "agent_id": agent, "kind": kind,
            "sequence": seq, "created_at": H, "value": value, "text": "t", "blocks": blocks or [],
            "status": "delivered"}


TRACE_BLOCK = [{"type": "context", "elements": [{"type": "mrkdwn", "text": (
    "Example traces: <file:///d/traces/t-1.html|t-1>, <file:///d/traces/t%2F2.html|t/2>")}]}]


def seed(engine: Engine) -> None:
    # Hours 0–9 are built; 'a' has data at 2–7 (critical at 4–5), 'b' at 3–6, nothing after 7.
    health = [_health("a", h, "no_data") for h in (0, 1, 8, 9)]
    health += [_health("a", h, "critical" if h in (4, 5) else "ok") for h in range(2, 8)]
    health += [_health("b", h, "ok") for h in range(3, 7)]
    with engine.begin() as connection:
        connection.execute(agent_health.insert(), health)
        connection.execute(alerts.insert(), [
            _alert("m5_workflow_completion", "a", 1, "resolved", 4, 6),
            _alert("m5_workflow_completion", "b", 1, "resolved", 4, 6, inhibited_by="a",
                   notified_at=None),
            _alert("m4_hallucination_rate", "c", 1, "firing", 5, None),  # no health rows at all
        ])
        connection.execute(alert_notifications.insert(), [
            _note("m5_workflow_completion", "a", 1, "fire", 1, blocks=TRACE_BLOCK),
            _note("m5_workflow_completion", "a", 1, "repeat", 2),
            _note("m5_workflow_completion", "a", 1, "repeat", 3),
            _note("m5_workflow_completion", "a", 1, "resolve", 4, value=0.95),
        ])


def test_history_spans_the_data_and_tells_each_episode(warehouse_engine: Engine) -> None:
    seed(warehouse_engine)
    with warehouse_engine.connect() as connection:
        history = load_history(connection)
    # Anchored on the data: hours 2..7, not the built-but-empty hours 0, 1, 8, 9.
    assert history.hours == tuple(H + HOUR * h for h in range(2, 8))
    assert history.agents == ("a", "b", "c")  # c fires without health rows: still shown
    assert history.statuses["a"][H + HOUR * 4] == "critical"
    assert [e.agent_id for e in history.firing()] == ["c"]
    by_agent = {e.agent_id: e for e in history.episodes}
    assert by_agent["a"].marks() == ("fired", "repeated", "resolved") and by_agent["a"].repeats == 2
    assert by_agent["a"].resolved_value == 0.95
    assert by_agent["b"].marks() == ("fired", "inhibited", "resolved")
    assert by_agent["a"].duration(H) == timedelta(hours=2)  # 04:05 → 06:05


def test_the_page_shows_the_story_and_writes_agent_and_trace_pages(
    warehouse_engine: Engine, tmp_path: Path
) -> None:
    seed(warehouse_engine)
    with warehouse_engine.begin() as connection:
        common = {"agent_id": None, "trace_id": None, "fields_provided": None,
                  "fields_requested": None, "flags": None}
        connection.execute(raw_events.insert(), [{**common, **row} for row in [
            {"event_id": "u1", "event_type": "user_message", "ts": H + HOUR * 4, "ts_epoch": 0.0,
             "session_id": "s1", "turn": 1, "fields_provided": ["budget"], "content_hash": "x",
             "ingest_id": 1, "schema_version": 1},
            {"event_id": "r1", "event_type": "agent_response", "ts": H + HOUR * 4 + HOUR / 2,
             "ts_epoch": 0.0, "session_id": "s1", "turn": 2, "agent_id": "a", "trace_id": "t-1",
             "fields_requested": ["budget"], "flags": ["hallucination:made_up_order"],
             "content_hash": "y", "ingest_id": 1, "schema_version": 1},
        ]])
        connection.execute(session_coherence.insert(), [{
            "session_id": "s1", "hour": H + HOUR * 4, "agent_ids": ["a"], "first_ts": H, "last_ts": H,
            "n_events": 2, "n_responses": 1, "n_late_responses": 0, "early_refs": 0, "recent_refs": 0,
            "reasked_fields": ["budget"], "n_reasked_fields": 1, "n_reask_requests": 1,
            "contradicted_facts": [], "n_contradicted_facts": 0, "flagged": True,
            "flag_reasons": ["reasked_field"], "built_at": H}])
    with warehouse_engine.connect() as connection:
        assert linked_trace_ids(connection) == ["t-1", "t/2"]
    page = tmp_path / "dash" / "index.html"
    build_dashboard(warehouse_engine, page, 6, H + HOUR * 10)
    text = page.read_text()
    assert "Firing now (1)" in text and "m4_hallucination_rate on c" in text
    assert text.count('class="tl-cell"') == 3 * 6  # three agents × six hours
    assert 'data-marks="fired repeated resolved"' in text
    assert "inhibited by a" in text
    for agent in ("a", "b", "c"):
        assert (page.parent / agent_file(agent)).is_file()
    trace = (page.parent / trace_file("t-1")).read_text()
    assert 'data-highlights="hallucination flag; re-asked budget"' in trace
    # A trace ID that is not a safe file name gets a hashed one, and the link says the same.
    assert trace_file("t/2").startswith("traces/trace-") and (page.parent / trace_file("t/2")).is_file()


def test_highlights_name_why_a_row_matters() -> None:
    finding = {"session_id": "s", "reasked_fields": ["budget"], "contradicted_facts": ["budget=50000"]}
    event = {"event_type": "agent_response", "session_id": "s", "status": "error",
             "error_type": "timeout", "fields_requested": ["budget", "name"],
             "facts_referenced": ["budget=40000"], "flags": []}
    assert highlights(event, [finding]) == ["error: timeout", "re-asked budget", "contradicts budget"]


def test_example_traces_put_flagged_and_failed_responses_first(warehouse_engine: Engine) -> None:
    from agent_monitor.lib.alert_store.health import example_traces

    def row(event_id: str, minute: int, trace: str, **extra: Any) -> dict[str, Any]:
        return {"event_id": event_id, "event_type": "agent_response", "ts": H + timedelta(minutes=minute),
                "ts_epoch": 0.0, "agent_id": "a", "session_id": event_id, "turn": 1, "trace_id": trace,
                "status": "ok", "has_hallucination_flag": False, "content_hash": event_id,
                "ingest_id": 1, "schema_version": 1, **extra}

    with warehouse_engine.begin() as connection:
        connection.execute(raw_events.insert(), [
            row("r1", 5, "t-plain-early"), row("r2", 10, "t-flagged", has_hallucination_flag=True),
            row("r3", 20, "t-error", status="error"), row("r4", 1, "t-plain-first"),
        ])
    with warehouse_engine.connect() as connection:
        # The flagged and the failed ones first (in time order), then the earliest plain one.
        assert example_traces(connection, "a", H) == ["t-flagged", "t-error", "t-plain-first"]
