"""The replay's report as lines of text: pages per incident with lead times, false pages, tables."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

from agent_monitor.lib.generator.ground_truth import GroundTruth
from agent_monitor.lib.replay.pages import Page, after_the_log, first_pages, match_pages


def lead_text(lead: timedelta) -> str:
    """A lead time as +H:MM (or −H:MM)."""
    minutes = int(lead.total_seconds() // 60)
    sign = "+" if minutes >= 0 else "−"
    return f"{sign}{abs(minutes) // 60}:{abs(minutes) % 60:02d}"


def report_lines(
    pages: Sequence[Page], truth: GroundTruth, differences: dict[str, list[str]] | None
) -> list[str]:
    """What was paged for each injected incident, what was paged for nothing, how tables compare."""
    kinds = Counter(p.kind for p in pages)
    lines = [f"pages: {kinds['fire']} fire, {kinds['repeat']} repeat, {kinds['resolve']} resolve"]
    incidents = truth.incidents
    matches = match_pages(pages, incidents, truth.edges)
    lines.append("injected incidents and their pages (lead = time from the incident's start):")
    for incident, first in zip(incidents, first_pages(matches, incidents), strict=True):
        expected = ", ".join(incident.expected.get("rules", ()))
        lines.append(f"- {incident.kind} on {', '.join(incident.agents)} {incident.start:%m-%d %H:%M} → "
                     f"{incident.end:%m-%d %H:%M} (expects {expected})")
        own = [m for m in matches if m.incident is incident]
        if first is None or first.lead is None:
            lines.append("    NOT PAGED")
            continue
        lines.append(f"    first page {lead_text(first.lead)}: {first.page.rule} on {first.page.scope}")
        for match in own:
            mark = "expected" if match.expected else "side effect"
            lines.append(f"    {lead_text(match.lead or timedelta())} {match.page.rule} on {match.page.scope} ({mark})")
    end = _naive(truth.end)
    ended = [m for m in matches if after_the_log(m, end)]
    false = [m for m in matches if m.incident is None and m not in ended]
    lines.append(f"false pages (no injected incident): {len(false)}")
    lines += [f"    {m.page.sent_at:%m-%d %H:%M} {m.page.rule} on {m.page.scope}" for m in false]
    if ended:
        lines.append(f"pages after the log ended at {end:%m-%d %H:%M} (silence ages what its last events "
                     f"left open): {len(ended)}")
        lines += [f"    {m.page.sent_at:%m-%d %H:%M} {m.page.rule} on {m.page.scope}" for m in ended]
    if differences is not None:
        if differences:
            lines.append(f"tables differing from a one-run backfill of the same events: {len(differences)}")
            for table, notes in differences.items():
                lines += [f"  {table}: {notes[0]}", *(f"    {n}" for n in notes[1:])]
        else:
            lines.append("every table equals a one-run backfill of the same events")
    return lines


def _naive(moment: datetime) -> datetime:
    return moment.replace(tzinfo=None) if moment.tzinfo else moment
