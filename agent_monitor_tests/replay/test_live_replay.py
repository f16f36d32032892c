"""The live replay end to end: generated logs delivered on a simulated clock, the production
sensors ticking inside hours, pages on a loopback Slack, tables checked against a backfill.

These are the acceptance runs of docs/replay.md: a clean week pages no one; each injected
incident pages within the lead time docs/replay.md claims, nothing else pages, and every table
after the last tick equals a one-run backfill of the same events. Both take minutes.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest

from agent_monitor.lib.replay.pages import after_the_log, first_pages, match_pages
from agent_monitor.replay import ReplaySettings, run_replay

# The lead times docs/signals.md and docs/replay.md claim for the default 72 h log (seed 7),
# from each incident's start to its first page, ticking at :30 (measured: +9:30 M2, +0:30 M5,
# +2:30 P2; each bound is the measured lead plus half an hour).
CLAIMED_LEAD = {
    "context_decay": timedelta(hours=10),
    "cascade": timedelta(hours=1),
    "hallucination_drift": timedelta(hours=3),
}


def quiet(_: str) -> None:
    pass


@pytest.mark.slow
def test_a_clean_week_replayed_live_pages_no_one(tmp_path: Path) -> None:
    # 168 h of clean traffic, a tick at half past every hour (the hour still filling) and after
    # every later review batch: no rule may page, whatever the hour looked like mid-way.
    settings = ReplaySettings(folder=tmp_path, hours=168, incidents=False, tick_minutes=60,
                              compare=False)
    result = run_replay(settings, log=quiet)
    assert result.ticks > 168
    end = result.truth.end.replace(tzinfo=None)
    during = [(p.sent_at, p.kind, p.rule, p.scope) for p in result.pages if p.sent_at < end]
    assert during == []
    # After the last event the log is silent: an incident or run its last events left open
    # ages like any other (M6, M5). Nothing else may page then.
    matches = match_pages(result.pages, result.truth.incidents, result.truth.edges)
    assert all(after_the_log(m, end) for m in matches if m.page.sent_at >= end)


@pytest.mark.slow
def test_the_injected_incidents_replayed_live_page_in_time_and_nothing_else(tmp_path: Path) -> None:
    # The demo's schedule: a tick at half past every hour and after every later review batch.
    settings = ReplaySettings(folder=tmp_path, hours=72, tick_minutes=60)
    result = run_replay(settings, log=quiet)
    incidents = result.truth.incidents
    assert [i.kind for i in incidents] == ["context_decay", "cascade", "hallucination_drift"]
    matches = match_pages(result.pages, incidents, result.truth.edges)
    end = result.truth.end.replace(tzinfo=None)
    false_pages = [(m.page.sent_at, m.page.rule, m.page.scope) for m in matches
                   if m.incident is None and not after_the_log(m, end)]
    assert false_pages == []
    for incident, first in zip(incidents, first_pages(matches, incidents), strict=True):
        assert first is not None, f"{incident.kind} paged no one"
        assert first.lead is not None and timedelta(0) <= first.lead <= CLAIMED_LEAD[incident.kind], (
            incident.kind, first.page.rule, first.lead)
    assert result.differences == {}
