"""decision_consistency_hourly rows: shadow pairs and repeated-input groups per decision."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection

from agent_monitor.lib.metrics.rates import ratio
from agent_monitor.lib.rollup.sql import hour_from_epoch, run_query

Key = tuple[datetime, str, str, str]
COUNTS = (
    "n_shadow_pairs",
    "n_shadow_disagreements",
    "n_repeated_groups",
    "n_repeated_responses",
    "n_repeated_agreeing",
)


def decision_rows(connection: Connection, start: datetime, end: datetime) -> list[dict[str, Any]]:
    """Per hour × agent × decision name × path in [start, end): pairs, groups and rates."""
    rows: dict[Key, dict[str, Any]] = {}
    found = run_query(connection, "shadow_pairs", start, end)
    found += run_query(connection, "repeated_inputs", start, end)
    for item in found:
        key = (
            hour_from_epoch(item["hour_epoch"]),
            str(item["agent_id"]),
            str(item["decision_name"]),
            str(item["decision_path"] or ""),
        )
        row = rows.setdefault(
            key,
            {
                "hour": key[0],
                "agent_id": key[1],
                "decision_name": key[2],
                "decision_path": key[3],
                **dict.fromkeys(COUNTS, 0),
            },
        )
        for name in COUNTS:
            row[name] += int(item.get(name) or 0)
    for row in rows.values():
        row["disagreement_rate"] = ratio(row["n_shadow_disagreements"], row["n_shadow_pairs"])
        row["repeated_agreement"] = ratio(row["n_repeated_agreeing"], row["n_repeated_responses"])
    return [rows[key] for key in sorted(rows)]
