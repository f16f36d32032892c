"""Figures about a rebuilt queue: counts by status and reason, and a table per agent."""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Mapping
from typing import Any

from agent_monitor.lib.reviews.status import STATUSES


def status_counts(rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Items per status, every status present (0 when none)."""
    counts = Counter(str(row["status"]) for row in rows)
    return {status: counts.get(status, 0) for status in STATUSES}


def reason_counts(rows: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """Items per sampling reason (an item with several reasons counts under each)."""
    counts: Counter[str] = Counter()
    for row in rows:
        counts.update(row["reasons"])
    return dict(sorted(counts.items()))


def agent_markdown(rows: Iterable[Mapping[str, Any]]) -> str:
    """A markdown table: per agent, sampled / pending / reviewed / expired / top-ups."""
    per_agent: dict[str, Counter[str]] = defaultdict(Counter)
    for row in rows:
        counts = per_agent[str(row["agent_id"])]
        counts["sampled"] += 1
        counts[str(row["status"])] += 1
        counts["daily_minimum"] += "daily_minimum" in row["reasons"]
    lines = [
        "| agent | sampled | pending | reviewed | expired | daily-minimum top-ups |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for agent, c in sorted(per_agent.items()):
        name = agent.replace("|", "\\|")
        lines.append(
            f"| {name} | {c['sampled']} | {c['pending']} | {c['reviewed']} | {c['expired']} | {c['daily_minimum']} |"
        )
    return "\n".join(lines)
