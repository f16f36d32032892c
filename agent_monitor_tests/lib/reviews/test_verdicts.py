"""Reading verdict files: good rows kept, bad rows reported with line and reason."""

from __future__ import annotations

import hashlib
from datetime import datetime
from pathlib import Path

import pytest

from agent_monitor.lib.reviews.importer import review_event, review_event_id
from agent_monitor.lib.reviews.verdicts import BadRow, VerdictRow, read_verdicts


def _read(tmp_path: Path, name: str, text: str, reviewer: str | None = None) -> tuple[list, list]:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return read_verdicts(path, default_reviewer=reviewer)


def test_csv_rows_with_optional_columns(tmp_path: Path) -> None:
    text = (
        "event_id,agent_id,verdict,reviewer,note,reviewed_at\n"
        "r1,billing,correct,ana,,\n"
        "r2,billing,incorrect,,\"wrong, refund amount\",2026-01-07T09:00:00+02:00\n"
        "\n"
        "r3,billing,,,,\n"
    )
    good, bad = _read(tmp_path, "v.csv", text, reviewer="desk")
    assert good == [
        VerdictRow(2, "r1", "correct", "ana", None, None),
        # no reviewer in the row: --reviewer; reviewed_at converted to naive UTC
        VerdictRow(3, "r2", "incorrect", "desk", "wrong, refund amount", datetime(2026, 1, 7, 7, 0)),
    ]
    assert bad == [BadRow(5, "missing verdict")]


@pytest.mark.parametrize(
    ("name", "text", "expected_bad"),
    [
        ("v.csv", "event_id,reviewer\nr1,ana\n", [BadRow(1, "missing column: verdict (header: event_id, reviewer)")]),
        ("v.csv", "event_id,verdict\nr1,maybe\n", [BadRow(2, "verdict 'maybe' is not one of correct, incorrect, unverifiable")]),
        ("v.csv", "event_id,verdict\nr1,correct,extra\n", [BadRow(2, "bad CSV: 3 cells, the header has 2")]),
        ("v.csv", 'event_id,verdict\nr1,"correct\n', [BadRow(2, "bad CSV: unexpected end of data")]),
        ("v.csv", "event_id,verdict,reviewed_at\nr1,correct,yesterday\n",
         [BadRow(2, "reviewed_at 'yesterday' is not an RFC 3339 timestamp")]),
        ("v.jsonl", '{"event_id": "r1", "verdict": "correct"}\nnot json\n[1]\n{"verdict": "correct"}\n',
         [BadRow(2, "bad JSON at column 1"),
          BadRow(3, "expected a JSON object, got list"), BadRow(4, "missing event_id")]),
    ],
)
def test_bad_rows_are_reported_with_line_and_reason(
    tmp_path: Path, name: str, text: str, expected_bad: list[BadRow]
) -> None:
    good, bad = _read(tmp_path, name, text)
    assert bad == expected_bad
    assert [g.target_event_id for g in good] == (["r1"] if name == "v.jsonl" else [])


def test_review_event_is_deterministic() -> None:
    row = VerdictRow(2, "r1", "correct", "ana", None, None)
    ts = datetime(2026, 1, 7, 9)
    # sha256("r1␟correct␟ana␟2026-01-07T09:00:00.000000Z␟0")[:24], computed with hashlib by hand.
    expected = "review:" + hashlib.sha256(
        b"r1\x1fcorrect\x1fana\x1f2026-01-07T09:00:00.000000Z\x1f0").hexdigest()[:24]
    assert review_event_id("r1", "correct", "ana", ts, 0) == expected
    # The verdict, the time and the number of earlier reviews each make another event.
    assert review_event_id("r1", "incorrect", "ana", ts, 0) != expected
    assert review_event_id("r1", "correct", "ana", ts.replace(minute=1), 0) != expected
    assert review_event_id("r1", "correct", "ana", ts, 2) != expected
    assert review_event(row, ts, 0) == {
        "event_id": expected,
        "event_type": "review",
        "ts": "2026-01-07T09:00:00.000000Z",
        "target_event_id": "r1",
        "verdict": "correct",
        "reviewer": "ana",
    }
