"""Format detection never loses a file of events (SPEC §8): the document's shape decides."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest
from sqlalchemy import Engine

from agent_monitor.cli import main
from agent_monitor.lib.adapters.detect import detect_format
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor_tests.events import response


def _events(n: int, **extra: object) -> list[bytes]:
    lines = [orjson.dumps(response(f"e{i}", "2026-01-05T10:00:00Z", turn=i)) for i in range(1, n + 1)]
    if extra:
        lines[0] = orjson.dumps(response("e1", "2026-01-05T10:00:00Z", turn=1, **extra))
    return lines


CASES = [
    ("array first line", [b"[1,2]", *_events(100)], 1),
    ("array of objects first line", [b'[{"task_id": 0}]', *_events(100)], 1),
    ("broken first line", [b'{"event_id": "x", "event_type": ', *_events(100)], 1),
    ("pretty-printed start", [b"[", *_events(100)], 1),
    ("event with simulations", _events(100, simulations=[{"id": 1}]), 0),
    ("event with resourceSpans", _events(100, resourceSpans=[{"scopeSpans": []}]), 0),
]


@pytest.mark.parametrize(("lines", "bad"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_file_of_events_stays_jsonl(warehouse_engine: Engine, tmp_path: Path, lines: list[bytes], bad: int) -> None:
    path = tmp_path / "events.jsonl"
    path.write_bytes(b"\n".join(lines) + b"\n")
    assert detect_format(path) == "jsonl"
    result = ingest_path(warehouse_engine, path)
    assert (result.source_format, result.lines_read, result.accepted, result.quarantined) == (
        "jsonl", 100 + bad, 100, bad
    )


def test_whole_documents_are_still_recognised(tmp_path: Path) -> None:
    one_line_tau2 = tmp_path / "tau2.json"
    one_line_tau2.write_bytes(b'{"info": {}, "simulations": []}')
    pretty_tau2 = tmp_path / "tau2_pretty.json"
    pretty_tau2.write_bytes(b'{\n  "timestamp": "x",\n  "simulations": []\n}\n')
    one_line_tau_bench = tmp_path / "tau_bench.json"
    one_line_tau_bench.write_bytes(b'[{"task_id": 0, "traj": []}]\n')
    otel = tmp_path / "spans.jsonl"
    otel.write_bytes(b'{"resourceSpans": []}\n{"resourceSpans": []}\n')
    assert [detect_format(p) for p in (one_line_tau2, pretty_tau2, one_line_tau_bench, otel)] == [
        "tau2", "tau2", "tau-bench", "otel"
    ]


def test_ingest_exits_non_zero_when_a_non_empty_file_gives_nothing(tmp_path: Path, capsys) -> None:
    path = tmp_path / "junk.jsonl"
    path.write_bytes(b"not json\nnor this\n")
    database = f"sqlite:///{tmp_path / 'w.db'}"
    assert main(["ingest", str(path), "--database-url", database]) == 1
    assert "nothing accepted" in capsys.readouterr().out


def test_a_document_of_no_known_format_is_reported_not_quarantined(
    warehouse_engine: Engine, tmp_path: Path, capsys
) -> None:
    from sqlalchemy import func, select

    from agent_monitor.lib.warehouse.tables_raw import ingestion_ledger, quarantined_events

    path = tmp_path / "settings.json"
    path.write_bytes(b'{\n  "name": "not events",\n  "items": [1, 2]\n}\n')
    assert detect_format(path) == "unknown"
    result = ingest_path(warehouse_engine, path)
    assert (result.unrecognised is not None, result.lines_read, result.quarantined) == (True, 0, 0)
    with warehouse_engine.connect() as connection:
        assert connection.execute(select(func.count()).select_from(quarantined_events)).scalar_one() == 0
        ledger = connection.execute(select(ingestion_ledger.c.status, ingestion_ledger.c.error)).one()
    assert ledger.status == "unrecognised" and ledger.error.startswith("not a recognised format")
    url = str(warehouse_engine.url.render_as_string(hide_password=False))
    assert main(["ingest", str(path), "--database-url", url]) == 1
    assert "not a recognised format" in capsys.readouterr().out
