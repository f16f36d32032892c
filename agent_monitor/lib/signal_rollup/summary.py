"""Small helpers for asset metadata: the build time and markdown tables of flagged rows."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

MAX_TABLE_ROWS = 50


def utc_now() -> datetime:
    """The current time as naive UTC (the warehouse convention)."""
    return datetime.now(UTC).replace(tzinfo=None)


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.4g}"
    return str(value).replace("|", "\\|").replace("\n", " ")


def markdown_table(rows: Sequence[Mapping[str, Any]], columns: Sequence[str]) -> str:
    """A markdown table of the given columns (at most MAX_TABLE_ROWS rows, then a count)."""
    if not rows:
        return "_none_"
    lines = ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(_cell(r.get(c)) for c in columns) + " |"
              for r in rows[:MAX_TABLE_ROWS]]
    if len(rows) > MAX_TABLE_ROWS:
        lines.append(f"\n… and {len(rows) - MAX_TABLE_ROWS} more")
    return "\n".join(lines)


def breach_markdown(rows: Sequence[Mapping[str, Any]], flags: Sequence[str]) -> str:
    """The rows where any of `flags` is true, with the hour, agent and which flags."""
    flagged = [
        {"hour": r["hour"], "agent_id": r["agent_id"],
         "breaches": ", ".join(f for f in flags if r.get(f))}
        for r in rows if any(r.get(f) for f in flags)
    ]
    return markdown_table(flagged, ("hour", "agent_id", "breaches"))
