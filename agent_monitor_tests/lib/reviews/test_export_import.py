"""`agent-monitor review export|import` against a seeded warehouse (SQLite and PostgreSQL)."""

from __future__ import annotations

import csv
import io
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import select

from agent_monitor.cli import main
from agent_monitor.lib.config import ReviewSettings
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.reviews.build import rebuild_queue
from agent_monitor.lib.reviews.export import pending_items
from agent_monitor.lib.reviews.importer import review_event_id
from agent_monitor.lib.warehouse.connection import data_folder
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor.lib.warehouse.tables_raw import ingestion_ledger, raw_events
from agent_monitor.lib.warehouse.tables_reviews import review_queue
from agent_monitor_tests.events import response, write_jsonl

# Per agent, base_rate 0.05 and a daily minimum of 2 (u values: test_selection.py):
#   billing evt-1..4 (u .556 .732 .271 .380): none below 0.05 → top-up evt-3, evt-4
#   support evt-5..8 (u .402 .827 .035 .231): evt-7 by the rule → top-up evt-8
SETTINGS = ReviewSettings(base_rate=0.05, daily_minimum=2)
DAY = (datetime.now(UTC) - timedelta(days=2)).replace(tzinfo=None, hour=0, minute=0, second=0, microsecond=0)


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _seed(url: str, folder: Path) -> None:
    events = []
    for n in range(1, 9):
        ts = (DAY + timedelta(hours=n - 1, minutes=10)).strftime("%Y-%m-%dT%H:%M:%SZ")
        agent = "billing" if n <= 4 else "support"
        events.append(response(f"evt-{n}", ts, agent_id=agent, confidence=0.9, trace_id=f"tr-{n}",
                               session_id=f"s{n}", decision={"name": "refund", "value": n, "path": "content"}))
    engine = open_warehouse(url)
    ingest_path(engine, write_jsonl(folder / "events.jsonl", events))
    rebuild_queue(engine, DAY, DAY + timedelta(hours=1), SETTINGS, now=_now())
    engine.dispose()


@pytest.fixture
def config(tmp_path: Path) -> str:
    path = tmp_path / "monitor.yaml"
    path.write_text("links:\n  trace_url_template: https://traces.example/t/{trace_id}\n")
    return str(path)


def test_export_csv_filters_by_agent(
    tmp_path: Path, warehouse_url: str, config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(warehouse_url, tmp_path)
    code = main(["review", "export", "--agent", "support", "--database-url", warehouse_url, "--config", config])
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(r["event_id"], r["agent_id"], r["reasons"]) for r in rows] == [
        ("evt-7", "support", "base"),
        ("evt-8", "support", "base;daily_minimum"),
    ]
    assert rows[0]["trace_url"] == "https://traces.example/t/tr-7"
    # What the reviewer judges comes from the response itself (text only with store_text).
    assert (rows[0]["confidence"], rows[0]["status"], rows[0]["trace_id"]) == ("0.9", "ok", "tr-7")
    assert (rows[0]["flags"], rows[0]["text"]) == ("", "")
    assert (rows[0]["decision_name"], rows[0]["decision_value"], rows[0]["decision_path"]) == ("refund", "7", "content")
    assert rows[0]["ts"] == (DAY + timedelta(hours=6, minutes=10)).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    assert (rows[0]["verdict"], rows[0]["reviewer"], rows[0]["note"]) == ("", "", "")


def test_export_jsonl_to_a_file_with_limit(tmp_path: Path, warehouse_url: str, config: str) -> None:
    _seed(warehouse_url, tmp_path)
    out = tmp_path / "pending.jsonl"
    args = ["review", "export", "-o", str(out), "--limit", "3", "--database-url", warehouse_url, "--config", config]
    assert main(args) == 0
    records = [json.loads(line) for line in out.read_text().splitlines()]
    # All four pending items in ts order are evt-3 (02:10), evt-4, evt-7, evt-8; the limit keeps 3.
    assert [r["event_id"] for r in records] == ["evt-3", "evt-4", "evt-7"]
    assert records[0]["reasons"] == ["base", "daily_minimum"] and records[0]["verdict"] == ""


def test_stale_pending_items_are_not_exported(tmp_path: Path, warehouse_url: str) -> None:
    _seed(warehouse_url, tmp_path)
    engine = open_warehouse(warehouse_url)
    # Built as pending; 8 days after DAY every item is past ts + 7 days, even before a rebuild.
    assert [i["event_id"] for i in pending_items(engine, now=_now())] == ["evt-3", "evt-4", "evt-7", "evt-8"]
    assert pending_items(engine, now=DAY + timedelta(days=8)) == []
    engine.dispose()


def _reviews(url: str) -> list[dict[str, Any]]:
    engine = open_warehouse(url)
    with engine.connect() as connection:
        rows = connection.execute(
            select(raw_events).where(raw_events.c.event_type == "review").order_by(raw_events.c.event_id)
        ).mappings().all()
    engine.dispose()
    return [dict(r) for r in rows]


def _ledger(url: str) -> list[tuple[int, int, int]]:
    engine = open_warehouse(url)
    with engine.connect() as connection:
        rows = connection.execute(
            select(ingestion_ledger.c.lines_read, ingestion_ledger.c.accepted, ingestion_ledger.c.duplicates)
            .where(ingestion_ledger.c.source.like("%import-%"))
            .order_by(ingestion_ledger.c.ingest_id)
        ).all()
    engine.dispose()
    return [tuple(r) for r in rows]


def test_import_ingests_good_rows_reports_bad_ones_and_is_idempotent(
    tmp_path: Path, warehouse_url: str, config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(warehouse_url, tmp_path)
    verdicts = tmp_path / "verdicts.csv"
    verdicts.write_text(
        "event_id,verdict,reviewer,note\n"
        "evt-7,correct,ana,\n"
        "evt-3,incorrect,,refund too high\n"
        "nope,correct,ana,\n"
        "evt-8,great,ana,\n"
    )
    args = ["review", "import", str(verdicts), "--reviewer", "desk", "--database-url", warehouse_url, "--config", config]
    assert main(args) == 1
    out = capsys.readouterr().out
    assert f"{verdicts}:4: unknown event_id 'nope': not a response in the warehouse" in out
    assert f"{verdicts}:5: verdict 'great' is not one of correct, incorrect, unverifiable" in out
    assert "2 new verdicts imported, 0 already imported (unchanged, nothing written), 2 rows rejected" in out

    reviews = _reviews(warehouse_url)
    assert sorted((r["target_event_id"], r["verdict"], r["reviewer"]) for r in reviews) == [
        ("evt-3", "incorrect", "desk"), ("evt-7", "correct", "ana")]
    # Both stamped with the import time (no reviewed_at), each the first review of its target.
    assert {r["event_id"] for r in reviews} == {
        review_event_id(r["target_event_id"], r["verdict"], r["reviewer"], r["ts"], 0) for r in reviews}
    note = next(r for r in reviews if r["target_event_id"] == "evt-3")["attributes"]
    assert note == {"note": "refund too high"}
    assert _ledger(warehouse_url) == [(2, 2, 0)]

    # The same file again: both verdicts are already the current ones, nothing is written.
    assert main(args) == 1
    assert "0 new verdicts imported, 2 already imported (unchanged, nothing written), 2 rows rejected" in capsys.readouterr().out
    assert _reviews(warehouse_url) == reviews
    assert _ledger(warehouse_url) == [(2, 2, 0)]
    # The generated event file is kept as the audit trail.
    assert len(list((data_folder() / "reviews").glob("import-*.jsonl"))) == 1

    # After a rebuild (what the late-data automation does), the queue shows the verdicts.
    engine = open_warehouse(warehouse_url)
    rebuild_queue(engine, DAY, DAY + timedelta(hours=1), SETTINGS, now=_now())
    with engine.connect() as connection:
        statuses = dict(connection.execute(select(review_queue.c.event_id, review_queue.c.status)).all())
    engine.dispose()
    assert statuses == {"evt-3": "reviewed", "evt-4": "pending", "evt-7": "reviewed", "evt-8": "pending"}


def test_import_of_a_clean_file_exits_zero(
    tmp_path: Path, warehouse_url: str, config: str, capsys: pytest.CaptureFixture[str]
) -> None:
    _seed(warehouse_url, tmp_path)
    verdicts = tmp_path / "verdicts.jsonl"
    verdicts.write_text('{"event_id": "evt-4", "verdict": "unverifiable", "reviewed_at": "2026-01-01T10:00:00Z"}\n')
    assert main(["review", "import", str(verdicts), "--database-url", warehouse_url, "--config", config]) == 0
    [only] = _reviews(warehouse_url)
    assert (only["target_event_id"], only["verdict"], only["reviewer"]) == ("evt-4", "unverifiable", None)
    assert only["ts"] == datetime(2026, 1, 1, 10, 0)
    assert "1 new verdicts imported, 0 already imported (unchanged, nothing written), 0 rows rejected" in capsys.readouterr().out


def test_export_carries_the_response_text_and_flags(tmp_path: Path, warehouse_url: str) -> None:
    engine = open_warehouse(warehouse_url)
    ts = (DAY + timedelta(minutes=5)).strftime("%Y-%m-%dT%H:%M:%SZ")
    flagged = response("evt-f", ts, agent_id="billing", confidence=0.95, trace_id="tr-f",
                       text="Your refund of $50 was approved.",
                       flags=["hallucination:unsupported_claim"], facts_referenced=["order:W1"],
                       fields_requested=["email"])
    plain = response("evt-g", ts, agent_id="billing", session_id="s2")
    ingest_path(engine, write_jsonl(tmp_path / "f.jsonl", [flagged, plain]), store_text=True)
    rebuild_queue(engine, DAY, DAY + timedelta(hours=1), SETTINGS, now=_now())
    # Two responses in the day, as many as the daily minimum (2): both are sampled.
    assert [i["event_id"] for i in pending_items(engine, now=_now())] == ["evt-f", "evt-g"]
    engine.dispose()
    out = tmp_path / "todo.jsonl"
    assert main(["review", "export", "-o", str(out), "--database-url", warehouse_url]) == 0
    [record, _] = [json.loads(line) for line in out.read_text().splitlines()]
    assert record["event_id"] == "evt-f"
    assert record["text"] == "Your refund of $50 was approved."
    assert record["flags"] == ["hallucination:unsupported_claim"]
    assert (record["status"], record["error_type"]) == ("ok", None)
    assert record["facts_referenced"] == ["order:W1"] and record["fields_requested"] == ["email"]
    assert (record["confidence"], record["trace_id"]) == (0.95, "tr-f")
