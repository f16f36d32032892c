"""The results table: one column per database, missing values as a dash, targets last."""

from __future__ import annotations

from agent_monitor.bench.report import format_table

MACHINE = {
    "cpu_count": 2, "cpu_model": "Test CPU", "memory_gib": 4.0, "python": "3.11", "dagster": "1.13.27",
    "sqlite": "3.40", "postgres": "15", "load_average_at_start": [0.1, 0.1, 0.1],
}


def test_table_shows_values_ratios_and_dashes() -> None:
    results = {
        "machine": MACHINE,
        "databases": {
            "sqlite": {"ingest": {"events_per_second": 12345.6, "peak_rss_mib": 100.0},
                       "ingest_floor": {"events_per_second": 24691.2}, "ingest_ratio_to_floor": 2.0},
            "postgres": {"ingest": {"events_per_second": 50000.0, "peak_rss_mib": 120.4}},
        },
    }
    lines = format_table(results).splitlines()
    assert lines[0].split() == ["measurement", "sqlite", "postgres", "target"]
    rows = {line.split("  ")[0].strip(): line for line in lines[2:] if line and not line.startswith("machine")}
    assert "12,346" in rows["ingest events/s (pipeline)"] and "50,000" in rows["ingest events/s (pipeline)"]
    # 24691.2 / 12345.6 = 2.00×, and postgres has no floor: a dash.
    assert "2.00×" in rows["ingest: floor / pipeline"] and "—" in rows["ingest: floor / pipeline"]
    # Rows with no value on any database are left out.
    assert "hour: build / floor" not in rows
    assert lines[-1].startswith("machine: 2 × Test CPU")
