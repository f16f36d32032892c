"""The benchmark results as a plain-text table, one column per database."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Getter = Callable[[dict[str, Any]], Any]


def _get(path: str) -> Getter:
    def getter(part: dict[str, Any]) -> Any:
        value: Any = part
        for name in path.split("."):
            if not isinstance(value, dict) or name not in value:
                return None
            value = value[name]
        return value

    return getter


def _points(part: dict[str, Any]) -> str | None:
    points = _get("backfill.hour_points.points")(part)
    if not points:
        return None
    return ", ".join(f"h{p['hour_index']}={p['seconds']:.2f}{'' if p.get('success', True) else '!'}"
                     for p in points)


ROWS: list[tuple[str, Getter, str, str]] = [
    ("ingest events/s (pipeline)", _get("ingest.events_per_second"), "{:,.0f}", "≥ 100,000 (PG)"),
    ("  validation workers", _get("ingest.validation_workers"), "{:d}", ""),
    ("ingest events/s (validated inline)", _get("ingest_inline.events_per_second"), "{:,.0f}", ""),
    ("ingest floor events/s (orjson + bulk)", _get("ingest_floor.events_per_second"), "{:,.0f}", ""),
    ("ingest: floor / pipeline", _get("ingest_ratio_to_floor"), "{:.2f}×", "≤ 2×"),
    ("ingest: floor / validated inline", _get("ingest_inline_ratio_to_floor"), "{:.2f}×", ""),
    ("ingest peak RSS MiB", _get("ingest.peak_rss_mib"), "{:,.0f}", "< 1536"),
    ("hour build s (all hourly assets)", _get("hour_build.seconds"), "{:.2f}", ""),
    ("hour floor s (one aggregate scan)", _get("hour_floor.seconds"), "{:.3f}", ""),
    ("hour: build / floor", _get("hour_ratio_to_floor"), "{:.1f}×", "≤ 3×"),
    ("DuckDB peer: events loaded", _get("peer.peer_seconds.events_loaded"), "{:,}", ""),
    ("DuckDB peer: load s", _get("peer.peer_seconds.load"), "{:.2f}", ""),
    ("agent-hour figures: ours ÷ DuckDB", _get("peer.ratios.agent_hour"), "{:.1f}×", "≤ 2×"),
    ("  without M1, M5, M6: ours ÷ DuckDB", _get("peer.ratios.agent_hour_without_m1_m5_m6"), "{:.1f}×", "≤ 2×"),
    ("M2: ours ÷ DuckDB", _get("peer.ratios.m2"), "{:.1f}×", "≤ 2×"),
    ("session profiles: ours ÷ DuckDB", _get("peer.ratios.session_profiles"), "{:.1f}×", "≤ 2×"),
    ("review sample: ours ÷ DuckDB", _get("peer.ratios.review_sample"), "{:.1f}×", "≤ 2×"),
    ("four outputs: ours s / DuckDB s (with load)", lambda p: _versus_totals(p), "{}", ""),
    ("rows differing from DuckDB's", lambda p: _mismatches(p), "{}", "0"),
    ("columnar: hour out of PG by COPY s", _get("peer.columnar.moved.copy_out_seconds"), "{:.2f}", ""),
    ("columnar: hour into DuckDB by COPY s", _get("peer.columnar.moved.copy_in_seconds"), "{:.2f}", ""),
    ("columnar: hour written as Parquet s", _get("peer.columnar.parquet_write_seconds"), "{:.2f}", ""),
    ("four outputs: ours s / DuckDB over Parquet s", lambda p: _columnar_totals(p), "{}", ""),
    ("rows differing, after COPY or over Parquet", lambda p: _columnar_mismatches(p), "{}", "0"),
    ("hour build peak RSS MiB", _get("hour_build.peak_rss_mib"), "{:,.0f}", "< 1536"),
    ("rebuild: events per hour", _get("rebuild.events_per_hour"), "{:,}", ""),
    ("rebuild one hour s, alone", _get("rebuild.runs.0.seconds"), "{:.2f}", ""),
    ("rebuild one hour s, 1 day of history", _get("rebuild.runs.24.seconds"), "{:.2f}", ""),
    ("rebuild one hour s, 7 days of history", _get("rebuild.runs.168.seconds"), "{:.2f}", ""),
    ("rebuild: 1 day ÷ alone", _get("rebuild.ratio_to_alone.24"), "{:.2f}×", ""),
    ("rebuild: 7 days ÷ alone", _get("rebuild.ratio_to_alone.168"), "{:.2f}×", "≤ 1.3×"),
    ("backfill hours × events/hour", lambda p: _backfill_scale(p), "{}", "720 × 50,000"),
    ("backfill load (ingest) s", _get("backfill.load.ingest_seconds"), "{:.1f}", ""),
    ("backfill build wall s", _get("backfill.build.seconds"), "{:.1f}", "< 1800 (30 d)"),
    ("backfill build runs", _get("backfill.build.runs"), "{}", ""),
    ("backfill failed runs", lambda p: _count(p, "backfill.build.failed_runs"), "{}", "0"),
    ("backfill build peak RSS MiB", _get("backfill.build.peak_rss_mib"), "{:,.0f}", "< 1536"),
    ("hour k rebuild s", _points, "{}", "flat in k"),
    ("raw_events_update_sensor tick s", _get("sensors.raw_events_update_sensor_seconds"), "{:.3f}", "< 2"),
    ("agent_health_alert_sensor tick s", _get("sensors.agent_health_alert_sensor_seconds"), "{:.3f}", "< 2"),
    ("sensor tick peak RSS MiB", _get("sensors.peak_rss_mib"), "{:,.0f}", "< 1536"),
]


def _versus_totals(part: dict[str, Any]) -> str | None:
    peer = part.get("peer")
    if not peer or "ours_total_seconds" not in peer:
        return None
    return (f"{peer['ours_total_seconds']:.2f} / {peer['peer_total_seconds_with_load']:.2f} "
            f"= {peer['total_ratio']:.1f}×")


def _columnar_totals(part: dict[str, Any]) -> str | None:
    peer = part.get("peer")
    if not peer or "columnar" not in peer:
        return None
    parquet = peer["columnar"]["over_parquet_total_seconds"]
    return f"{peer['ours_total_seconds']:.2f} / {parquet:.2f} = {peer['columnar']['ours_total_ratio']:.1f}×"


def _columnar_mismatches(part: dict[str, Any]) -> int | None:
    path = _get("peer.columnar")(part)
    if path is None:
        return None
    found = list(path["over_parquet_rows_differing"].values())
    return sum(found + list(path.get("moved", {}).get("rows_differing", {}).values()))


def _mismatches(part: dict[str, Any]) -> int | None:
    found = _get("peer.mismatches")(part)
    return None if found is None else sum(found.values())


def _count(part: dict[str, Any], path: str) -> int | None:
    value = _get(path)(part)
    return None if value is None else len(value)


def _errors(results: dict[str, Any]) -> list[str]:
    """Every recorded error, as "database path: message"."""
    found: list[str] = []

    def walk(value: Any, where: str) -> None:
        if isinstance(value, dict):
            for key, item in value.items():
                if key in ("error", "failed_runs") and item:
                    for message in item if isinstance(item, list) else [item]:
                        found.append(f"{where}: {message}")
                else:
                    walk(item, f"{where}.{key}")
        elif isinstance(value, list):
            for index, item in enumerate(value):
                walk(item, f"{where}[{index}]")

    for kind, part in results["databases"].items():
        walk(part, kind)
    return found


def _backfill_scale(part: dict[str, Any]) -> str | None:
    backfill = part.get("backfill")
    if not backfill:
        return None
    return f"{backfill['hours']} × {backfill['events_per_hour']:,}"


def format_table(results: dict[str, Any]) -> str:
    """Rows are measurements, columns the databases, the last column the target."""
    kinds = list(results["databases"])
    header = ["measurement", *kinds, "target"]
    lines: list[list[str]] = [header]
    for label, getter, fmt, target in ROWS:
        cells = []
        for kind in kinds:
            value = getter(results["databases"][kind])
            cells.append("—" if value is None else fmt.format(value))
        if any(c != "—" for c in cells):
            lines.append([label, *cells, target])
    widths = [max(len(row[i]) for row in lines) for i in range(len(header))]
    rendered = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)) for row in lines]
    rendered.insert(1, "  ".join("-" * w for w in widths))
    machine = results["machine"]
    errors = _errors(results)
    if errors:
        rendered.append("")
        rendered.extend(f"error: {line}" for line in errors)
    rendered.append("")
    rendered.append(
        f"machine: {machine['cpu_count']} × {machine['cpu_model']}, {machine['memory_gib']} GiB, "
        f"Python {machine['python']}, Dagster {machine['dagster']}, SQLite {machine['sqlite']}, "
        f"PostgreSQL {machine['postgres']}, load {machine['load_average_at_start']}"
    )
    return "\n".join(rendered)
