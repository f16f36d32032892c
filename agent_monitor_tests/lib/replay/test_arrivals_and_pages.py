"""The replay's plain parts: delivery slices, and pages set against the ground truth."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest

from agent_monitor.lib.generator.ground_truth import GroundTruth, IncidentTruth
from agent_monitor.lib.replay.arrivals import deliveries
from agent_monitor.lib.replay.pages import after_the_log, first_pages, match_pages, parse_page
from agent_monitor.lib.replay.report import lead_text, report_lines
from agent_monitor_tests.events import response, review, write_jsonl

START = datetime(2026, 1, 5)


def test_events_arrive_in_five_minute_files_and_reviews_in_batches(tmp_path: Path) -> None:
    path = write_jsonl(tmp_path / "e.jsonl", [
        response("a", "2026-01-05T00:00:00Z"), response("b", "2026-01-05T00:04:59Z"),
        response("c", "2026-01-05T00:05:00Z"), review("v", "2026-01-05T02:31:00+01:00", "a"),
        review("w", "2026-01-05T06:00:00Z", "b"),
    ])
    files = deliveries([path], START, 5, review_every_hours=6)
    # a, b in [00:00, 00:05) → at 00:05; c in [00:05, 00:10) → at 00:10; the review v is at
    # 01:31 UTC → batch [00:00, 06:00) → at 06:00; w at 06:00 → batch [06:00, 12:00) → at 12:00.
    assert [(f.at, f.name, len(f.lines)) for f in files] == [
        (datetime(2026, 1, 5, 0, 5), "slice-20260105T0005.jsonl", 2),
        (datetime(2026, 1, 5, 0, 10), "slice-20260105T0010.jsonl", 1),
        (datetime(2026, 1, 5, 6, 0), "reviews-20260105T0600.jsonl", 1),
        (datetime(2026, 1, 5, 12, 0), "reviews-20260105T1200.jsonl", 1),
    ]
    assert files[0].lines[0].startswith(b'{"event_id":"a"')


INCIDENTS = (
    IncidentTruth("cascade", ("retrieval", "billing"), datetime(2026, 1, 5, 22), datetime(2026, 1, 6, 6),
                  {"rules": ["C2", "C1", "M5"]}),
    IncidentTruth("hallucination_drift", ("billing",), datetime(2026, 1, 6, 16), datetime(2026, 1, 7, 10),
                  {"rules": ["P2", "P1", "M4", "M1"]}),
)
EDGES = (("triage", "retrieval"), ("retrieval", "billing"), ("billing", "support"))


@pytest.mark.parametrize(
    ("key", "sent", "owner", "expected", "lead"),
    [
        # M5 on billing at 23:30: the cascade (started 22:00), an expected rule, +1:30.
        ("m5_workflow_completion:agent=billing:1:fire:1", datetime(2026, 1, 5, 23, 30), "cascade", True, "+1:30"),
        # M5 on triage (upstream of retrieval: its runs fail too) belongs to the cascade.
        ("m5_workflow_completion:agent=triage:1:fire:1", datetime(2026, 1, 5, 23, 0), "cascade", True, "+1:00"),
        # M6 on triage is not an M5 side effect: triage is not an incident agent → false page.
        ("m6_recovery_time:agent=triage:1:fire:1", datetime(2026, 1, 5, 23, 0), None, False, None),
        # M5 on support (downstream of billing) is not reached either → false page.
        ("m5_workflow_completion:agent=support:1:fire:1", datetime(2026, 1, 5, 23, 0), None, False, None),
        # C2 on the edge names retrieval → cascade, at 06:00 + 5 h (within 6 h after its end).
        ("c2_cascade_risk:edge=retrieval->billing:2:fire:1", datetime(2026, 1, 6, 11), "cascade", True, "+13:00"),
        # M4 on billing at 17:00 on the 6th: 1 h after the drift started (the cascade ended 11 h before).
        ("m4_hallucination_rate:agent=billing:1:fire:1", datetime(2026, 1, 6, 17), "hallucination_drift", True, "+1:00"),
        # M7 on billing at 16:30: a side effect of the drift (not an expected rule); the cascade
        # on billing ended 10.5 h before, within M7's 24 h window, but the drift started last.
        ("m7_escalation_rate:agent=billing:1:fire:1", datetime(2026, 1, 6, 16, 30), "hallucination_drift", False, "+0:30"),
        # M1 on billing at 09:00 on the 6th: 3 h after the cascade ended, inside M1's 24 h
        # window (+ 2 h grace); not one of the rules a cascade is expected to move.
        ("m1_confidence_divergence:agent=billing:1:fire:1", datetime(2026, 1, 6, 9), "cascade", False, "+11:00"),
        # M4 (a 1 h window) on billing 4 h after the cascade ended, before the drift → false page.
        ("m4_hallucination_rate:agent=billing:1:fire:1", datetime(2026, 1, 6, 10), None, False, None),
        # M4 on billing before anything was injected → false page.
        ("m4_hallucination_rate:agent=billing:1:fire:1", datetime(2026, 1, 5, 10), None, False, None),
    ],
)
def test_pages_belong_to_the_incident_they_name(
    key: str, sent: datetime, owner: str | None, expected: bool, lead: str | None
) -> None:
    (match,) = match_pages([parse_page(key, sent)], INCIDENTS, EDGES)
    assert (match.incident.kind if match.incident else None) == owner
    assert match.expected is expected
    assert (lead_text(match.lead) if match.lead is not None else None) == lead


def test_repeats_and_resolves_are_not_matched_and_first_pages_are_per_incident() -> None:
    pages = [
        parse_page("m4_hallucination_rate:agent=billing:1:fire:1", datetime(2026, 1, 6, 18)),
        parse_page("p2_entropy_shift:agent=billing:1:fire:1", datetime(2026, 1, 6, 17, 30)),
        parse_page("m4_hallucination_rate:agent=billing:1:repeat:2", datetime(2026, 1, 6, 22)),
        parse_page("m4_hallucination_rate:agent=billing:1:resolve:3", datetime(2026, 1, 7, 12)),
    ]
    matches = match_pages(pages, INCIDENTS, EDGES)
    assert [m.page.rule for m in matches] == ["p2_entropy_shift", "m4_hallucination_rate"]
    cascade, drift = first_pages(matches, INCIDENTS)
    assert cascade is None
    assert drift is not None and (drift.page.rule, drift.lead) == ("p2_entropy_shift", timedelta(hours=1, minutes=30))
    truth = GroundTruth(7, START, START + timedelta(hours=72), ("billing",), EDGES, INCIDENTS)
    lines = report_lines(pages, truth, {})
    assert lines[0] == "pages: 2 fire, 1 repeat, 1 resolve"
    assert "    NOT PAGED" in lines
    assert "    first page +1:30: p2_entropy_shift on agent=billing" in lines
    assert "false pages (no injected incident): 0" in lines
    assert lines[-1] == "every table equals a one-run backfill of the same events"


def test_pages_about_silence_after_the_log_ended_are_told_apart() -> None:
    end = datetime(2026, 1, 8)
    pages = [
        # M6 on triage 5 min after the last event: an incident its last events left open.
        parse_page("m6_recovery_time:agent=triage:1:fire:1", datetime(2026, 1, 8, 0, 5)),
        # M1 after the end is not about silence: still a false page.
        parse_page("m1_confidence_divergence:agent=triage:1:fire:1", datetime(2026, 1, 8, 6, 5)),
        # M6 during the traffic: a false page.
        parse_page("m6_recovery_time:agent=triage:2:fire:1", datetime(2026, 1, 7, 23, 30)),
    ]
    matches = match_pages(pages, INCIDENTS, EDGES)
    assert [(m.page.rule, m.page.sent_at.hour, after_the_log(m, end)) for m in matches] == [
        ("m6_recovery_time", 23, False), ("m6_recovery_time", 0, True), ("m1_confidence_divergence", 6, False)]
