"""agent_health_dashboard: wiring, automation, and a materialization on a seeded warehouse."""

from __future__ import annotations

from pathlib import Path

import dagster as dg
from sqlalchemy import Engine

from agent_monitor.build import unpartitioned_asset_keys
from agent_monitor.defs.dashboard.assets import agent_health_dashboard
from agent_monitor.defs.resources import Clock, MonitorSettings, Warehouse
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor_tests.lib.dashboard.seed import seed

KEY = dg.AssetKey("agent_health_dashboard")


def test_wired_after_the_hourly_tables() -> None:
    from agent_monitor.definitions import defs

    graph = defs.resolve_asset_graph()
    node = graph.get(KEY)
    assert node.partitions_def is None
    assert node.group_name == "dashboard"
    assert node.automation_condition is not None
    assert set(node.parent_keys) == {dg.AssetKey("agent_health"), dg.AssetKey("agent_metrics_hourly"),
                                     dg.AssetKey("drift_signals_hourly")}
    assert KEY in unpartitioned_asset_keys(defs)  # so the demo's build_unpartitioned runs it


def test_materialize_writes_the_page(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    engine: Engine = open_warehouse(url)
    seed(engine)
    engine.dispose()
    output = tmp_path / "out" / "index.html"
    config = tmp_path / "agent_monitor.yaml"
    config.write_text(f"dashboard:\n  window_hours: 6\n  output_path: {output}\n")
    result = dg.materialize(
        [agent_health_dashboard],
        resources={"warehouse": Warehouse(url=url), "settings": MonitorSettings(path=str(config)), "clock": Clock()},
    )
    assert result.success
    page = output.read_text()
    assert 'data-agent="alpha"' in page and 'data-agent="gamma"' in page
    metadata = result.asset_materializations_for_node("agent_health_dashboard")[0].metadata
    assert metadata["path"].value == str(output)
    assert metadata["url"].value == output.as_uri()  # the Slack link follows the output path
    assert metadata["agents"].value == 3
    assert metadata["window"].value == "2024-03-01 07:00 – 2024-03-01 12:00 UTC"
    # seed.py: M1–M7 cells alpha ok 2 / no_data 1 / warning 3 / critical 1, beta ok 7, gamma no_data 7
    counts = {s: metadata[f"cells_{s}"].value for s in ("critical", "warning", "ok", "no_data")}
    assert counts == {"critical": 1, "warning": 3, "ok": 9, "no_data": 8}
    assert metadata["agents_critical"].value == 1


def test_default_output_is_in_the_data_folder(tmp_path: Path) -> None:
    # conftest sets AGENT_MONITOR_HOME to tmp_path / "home" and an empty config
    url = f"sqlite:///{tmp_path / 'warehouse.db'}"
    result = dg.materialize(
        [agent_health_dashboard], resources={"warehouse": Warehouse(url=url), "settings": MonitorSettings()}
    )
    expected = tmp_path / "home" / "dashboard" / "index.html"
    assert expected.exists()
    metadata = result.asset_materializations_for_node("agent_health_dashboard")[0].metadata
    assert metadata["url"].value == expected.as_uri()
    assert metadata["agents"].value == 0


def test_refreshed_when_an_hour_of_agent_health_is_updated() -> None:
    from agent_monitor.definitions import defs

    selection = dg.AssetSelection.assets(KEY)
    with dg.instance_for_test() as instance:
        initial = dg.evaluate_automation_conditions(defs=defs, instance=instance,
                                                    asset_selection=selection)
        assert initial.total_requested == 0  # the first tick only records the starting state
        first = dg.evaluate_automation_conditions(defs=defs, instance=instance,
                                                  asset_selection=selection, cursor=initial.cursor)
        assert first.total_requested == 1  # never built: build it (an empty page until data)
        instance.report_runless_asset_event(dg.AssetMaterialization(KEY))
        idle = dg.evaluate_automation_conditions(defs=defs, instance=instance,
                                                 asset_selection=selection, cursor=first.cursor)
        assert idle.total_requested == 0
        instance.report_runless_asset_event(
            dg.AssetMaterialization("agent_health", partition="2025-03-01-12:00"))
        updated = dg.evaluate_automation_conditions(defs=defs, instance=instance,
                                                    asset_selection=selection, cursor=idle.cursor)
        assert updated.total_requested == 1
