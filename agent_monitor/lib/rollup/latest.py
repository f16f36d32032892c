"""The latest agent_metrics_hourly rows, for the command line."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine, func, select

from agent_monitor.lib.warehouse.results import result_dicts
from agent_monitor.lib.warehouse.tables_metrics import agent_metrics_hourly as t

COLUMNS = (
    ("hour", "hour"), ("agent_id", "agent"), ("agent_version", "version"),
    ("n_responses", "resp"), ("m1_divergence", "M1 div"), ("m2_coherence_ratio", "M2"),
    ("m3_disagreement_rate", "M3"), ("m4_hallucination_rate", "M4"),
    ("m5_completion_rate", "M5"), ("m6_mttr_seconds", "MTTR s"),
    ("m7_escalation_rate", "M7"), ("latency_p95_ms", "p95 ms"),
)


def latest_rows(engine: Engine, hours: int = 6, agent: str | None = None) -> list[dict[str, Any]]:
    """Rows of the last `hours` built hours (ending at the newest hour in the table)."""
    with engine.connect() as connection:
        newest = connection.execute(select(func.max(t.c.hour))).scalar_one()
        if newest is None:
            return []
        statement = select(t).where(t.c.hour > newest - timedelta(hours=hours))
        if agent is not None:
            statement = statement.where(t.c.agent_id == agent)
        statement = statement.order_by(t.c.hour, t.c.agent_id, t.c.agent_version)
        return result_dicts(connection.execute(statement))


def format_table(rows: list[dict[str, Any]]) -> str:
    """A plain-text table; '-' marks NULL (no data)."""
    cells = [[label for _, label in COLUMNS]]
    for row in rows:
        cells.append([_cell(row.get(name)) for name, _ in COLUMNS])
    widths = [max(len(r[i]) for r in cells) for i in range(len(COLUMNS))]
    return "\n".join("  ".join(c.ljust(w) for c, w in zip(r, widths, strict=True)).rstrip()
                     for r in cells)


def _cell(value: Any) -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}" if abs(value) < 1000 else f"{value:.0f}"
    if hasattr(value, "strftime"):
        return value.strftime("%Y-%m-%d %H:00")
    return str(value) if value != "" else "(all)"
