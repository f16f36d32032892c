"""Warehouse glue for alerting: silences, the outbox, the latest health hour, topology."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

from sqlalchemy import Engine, insert

from agent_monitor.lib.alert_store import outbox
from agent_monitor.lib.alert_store.health import health_between, latest_health, upstream_map
from agent_monitor.lib.alert_store.silences import (
    active_silences,
    add_silence,
    expire_silence,
    list_silences,
)
from agent_monitor.lib.alerting.blocks import SlackMessage
from agent_monitor.lib.alerting.lifecycle import Notification
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.warehouse.tables_health import agent_health
from agent_monitor_tests.events import write_jsonl

NOW = datetime(2025, 3, 1, 12)
H = timedelta(hours=1)


def health(engine: Engine, rows: list[tuple[datetime, str, str, str, str, float | None]]) -> None:
    with engine.begin() as connection:
        connection.execute(insert(agent_health), [
            {"hour": h, "agent_id": a, "rule": r, "scope": s, "status": st, "value": v,
             "built_at": h} for h, a, r, s, st, v in rows])


def test_silences_add_list_expire(warehouse_engine: Engine) -> None:
    with warehouse_engine.begin() as connection:
        two_hours = add_silence(connection, rule="m5_*", agent="billing", ends_at=NOW + 2 * H,
                                reason="deploy", author="ana", now=NOW)
        add_silence(connection, rule="*", agent="support", ends_at=NOW + H, reason="noisy",
                    author="bo", now=NOW - H)
    with warehouse_engine.begin() as connection:
        # At NOW both hold; at NOW + 1 h the one ending then has ended (end is exclusive).
        assert len(active_silences(connection, NOW)) == 2
        assert [s.silence_id for s in active_silences(connection, NOW + H)] == [
            two_hours.silence_id]
        assert expire_silence(connection, two_hours.silence_id, NOW + H / 2)
        assert not expire_silence(connection, two_hours.silence_id, NOW + H / 2)
        assert active_silences(connection, NOW + H) == []
        records = list_silences(connection)
    assert [(r.silence.author, r.expired_at) for r in records] == [
        ("ana", NOW + H / 2), ("bo", None)]


def test_the_outbox_queues_a_key_once(warehouse_engine: Engine) -> None:
    note = Notification("m4:agent=a:1:fire:1", "m4_hallucination_rate", "agent=a", "a", 1,
                        "fire", 1, NOW, "warning", 0.05, 0.02, "why")
    message = SlackMessage("text", [{"type": "divider"}])
    with warehouse_engine.begin() as connection:
        assert outbox.queue(connection, note, message)
        assert not outbox.queue(connection, note, message)
        (item,) = outbox.pending(connection)
    assert (item.idempotency_key, item.blocks, item.attempts) == (
        "m4:agent=a:1:fire:1", [{"type": "divider"}], 0)
    # The warehouse's naive UTC time, made aware for the notifier's history lookup.
    assert item.outbound().created_at == NOW.replace(tzinfo=UTC)


def test_latest_health_takes_each_agents_newest_hour(warehouse_engine: Engine) -> None:
    health(warehouse_engine, [
        (NOW - 2 * H, "a", "m4_hallucination_rate", "", "warning", 0.05),
        (NOW - H, "a", "m4_hallucination_rate", "", "ok", 0.01),
        (NOW - H, "a", "overall", "", "ok", None),
        (NOW - 3 * H, "b", "m4_hallucination_rate", "", "critical", 0.5),
    ])
    with warehouse_engine.connect() as connection:
        rows = latest_health(connection)
        replay = latest_health(connection, as_of=NOW - H)
    # a: 11:00 (the overall row is not a rule); b: its only hour, 09:00.
    assert [(r["agent_id"], r["hour"], r["status"]) for r in rows] == [
        ("a", NOW - H, "ok"), ("b", NOW - 3 * H, "critical")]
    # As of 11:00 (exclusive), a's newest hour is 10:00.
    assert [(r["agent_id"], r["status"]) for r in replay] == [("a", "warning"), ("b", "critical")]


def test_health_between_prefers_the_newest_hour_with_data(warehouse_engine: Engine) -> None:
    health(warehouse_engine, [
        (NOW - 3 * H, "a", "m4_hallucination_rate", "", "warning", 0.05),
        (NOW - 2 * H, "a", "m4_hallucination_rate", "", "ok", 0.01),
        (NOW - H, "a", "m4_hallucination_rate", "", "no_data", None),
        (NOW - H, "a", "m3_decision_disagreement", "routing", "ok", 0.05),
        (NOW - H, "a", "m3_decision_disagreement", "approval", "warning", 0.2),
    ])
    with warehouse_engine.connect() as connection:
        found = health_between(connection, NOW - 24 * H, NOW)
    assert found["a"]["m4_hallucination_rate"]["value"] == 0.01
    assert found["a"]["m3_decision_disagreement"]["scope"] == "approval"


def test_upstream_map_from_workflow_steps(warehouse_engine: Engine, tmp_path: Path) -> None:
    def step(i: int, step_id: str, agent: str, deps: list[str]) -> dict[str, object]:
        return {"event_id": f"s{i}", "event_type": "workflow_step", "ts": "2025-03-01T11:30:00Z",
                "workflow_id": "w", "workflow_run_id": "run1", "step_id": step_id,
                "agent_id": agent, "depends_on": deps, "status": "succeeded"}

    events = [step(1, "fetch", "gateway", []), step(2, "bill", "billing", ["fetch"]),
              step(3, "notify", "mailer", ["bill", "fetch"])]
    assert ingest_path(warehouse_engine, write_jsonl(tmp_path / "w.jsonl", events)).accepted == 3
    with warehouse_engine.connect() as connection:
        found = upstream_map(connection, NOW)
    assert found == {"billing": {"gateway"}, "mailer": {"billing", "gateway"}}
