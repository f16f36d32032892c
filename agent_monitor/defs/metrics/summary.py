"""Asset metadata: the headline values of the built hours, and a small table per agent."""

from collections import defaultdict
from collections.abc import Sequence
from typing import Any

import dagster as dg

from agent_monitor.lib.metrics.rates import ratio

# (metadata label, numerator column, denominator column)
HEADLINES = (
    ("m4_hallucination_rate", "n_hallucination_flagged", "n_flag_checked"),
    ("m5_completion_rate", "n_runs_completed", "n_runs_ended"),
    ("m7_escalation_rate", "n_handoff_sessions", "n_sessions"),
    ("m6_mttr_seconds", "m6_recovery_seconds_sum", "n_incidents_recovered"),
    ("m2_coherence_ratio", "m2_early_refs", "m2_recent_refs"),
    ("m3_disagreement_rate", "n_shadow_disagreements", "n_shadow_pairs"),
)


def _sum(rows: Sequence[dict[str, Any]], column: str) -> float:
    return float(sum(r.get(column) or 0 for r in rows))


def headline_values(rows: Sequence[dict[str, Any]]) -> dict[str, float | int | None]:
    """Fleet-wide values re-aggregated from numerators and denominators (None: no data)."""
    values: dict[str, float | int | None] = {"responses": int(_sum(rows, "n_responses"))}
    weight = _sum(rows, "m1_weight_sum")
    confidence = ratio(_sum(rows, "m1_weighted_confidence_sum"), weight)
    accuracy = ratio(_sum(rows, "m1_weighted_correct_sum"), weight)
    values["m1_divergence"] = (
        None if confidence is None or accuracy is None else abs(confidence - accuracy)
    )
    for label, numerator, denominator in HEADLINES:
        values[label] = ratio(_sum(rows, numerator), _sum(rows, denominator))
    return values


def agent_table(rows: Sequence[dict[str, Any]]) -> str:
    """A markdown table per agent over the built hours."""
    per_agent: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for row in rows:
        per_agent[str(row["agent_id"])].append(row)
    lines = [
        "| agent | responses | M1 div | M2 ratio | M4 rate | M5 completion | MTTR s | M7 rate |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for agent, items in sorted(per_agent.items()):
        v = headline_values(items)
        cells = [
            v["m1_divergence"],
            v["m2_coherence_ratio"],
            v["m4_hallucination_rate"],
            v["m5_completion_rate"],
            v["m6_mttr_seconds"],
            v["m7_escalation_rate"],
        ]
        shown = " | ".join("–" if c is None else f"{c:.3g}" for c in cells)
        lines.append(f"| {_escape(agent)} | {v['responses']} | {shown} |")
    return "\n".join(lines)


def _escape(text: str) -> str:
    return text.replace("|", "\\|").replace("<", "&lt;").replace(">", "&gt;")


def agent_metrics_metadata(rows: Sequence[dict[str, Any]]) -> dict[str, dg.MetadataValue]:
    """Row count, plottable headline floats (None skipped) and the per-agent table."""
    metadata: dict[str, dg.MetadataValue] = {"rows": dg.MetadataValue.int(len(rows))}
    for label, value in headline_values(rows).items():
        if value is None:
            continue
        if label == "responses":
            metadata[label] = dg.MetadataValue.int(int(value))
        else:
            metadata[label] = dg.MetadataValue.float(float(value))
    metadata["agents"] = dg.MetadataValue.md(agent_table(rows))
    return metadata
