"""Every query of the provisioned Grafana dashboard runs on a seeded PostgreSQL warehouse."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest
import yaml
from sqlalchemy import Engine, insert, text

from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor.lib.warehouse.tables_alerting import alerts
from agent_monitor_tests.conftest import PROJECT_ROOT
from agent_monitor_tests.lib.dashboard.seed import END, START, seed

GRAFANA = PROJECT_ROOT / "deploy" / "grafana"
DASHBOARD = GRAFANA / "dashboards" / "agent_monitor.json"
MACROS = {"$__timeFilter", "$__timeFrom", "$__timeTo"}
STATUS_COLUMNS = ["agent", "overall", "M1 divergence", "M2 coherence", "M3 disagreement",
                  "M4 hallucination", "M5 completion", "M6 recovery", "M7 escalation", "P1 drift",
                  "P2 entropy", "P3 turns", "as of"]
ALERT_COLUMNS = ["agent", "rule", "scope", "severity", "value", "threshold", "first_seen",
                 "last_seen", "inhibited_by", "silenced_by", "reason"]
SERIES = ["time", "metric", "value"]
# Expected columns per panel title (the seven metric panels share the time-series shape).
EXPECTED: dict[str, list[str]] = {
    "Agent status (latest hour in range)": STATUS_COLUMNS,
    "Agents reporting": ["agents"],
    "Agents by overall status": SERIES,
    "P1 confidence drift velocity (per hour)": SERIES,
    "Hourly mean confidence": SERIES,
    "Escalation trend (selected agents)": ["time", "handoff rate", "abandonment rate",
                                           "handoff sessions"],
    "Firing alerts": ALERT_COLUMNS,
    "Alert episodes that began in range": [*ALERT_COLUMNS, "state", "resolved_at"],
}


def dashboard() -> dict[str, Any]:
    return json.loads(DASHBOARD.read_text(encoding="utf-8"))


def panels() -> list[dict[str, Any]]:
    found = []
    for panel in dashboard()["panels"]:
        found += [panel, *panel.get("panels", [])]
    return [p for p in found if p.get("targets")]


def grafana_to_sql(query: str, agents: str = "'alpha'") -> str:
    """Grafana's macros as bound parameters, $agent as the quoted values Grafana would put."""
    query = re.sub(r"\$__timeFilter\((\w+)\)", r"\1 BETWEEN :from AND :to", query)
    query = query.replace("$__timeFrom()", ":from").replace("$__timeTo()", ":to")
    query = query.replace("${agent}", agents).replace("$agent", agents)
    assert "$" not in query, query
    return query


@pytest.fixture
def engine(postgres_url: str) -> Iterator[Engine]:
    engine = open_warehouse(postgres_url)
    seed(engine)
    base = {"scope": "", "severity": "warning", "value": 0.2, "threshold": 0.08, "reason": "r",
            "first_seen": END, "last_seen": END, "updated_at": END, "rule": "m7_escalation_rate",
            "scope_key": "agent=alpha", "alert_key": "m7_escalation_rate:agent=alpha",
            "agent_id": "alpha"}
    with engine.begin() as connection:
        connection.execute(insert(alerts), [{**base, "episode": 1, "state": "resolved"},
                                             {**base, "episode": 2, "state": "firing"}])
    yield engine
    engine.dispose()


def run(engine: Engine, query: str, agents: str = "'alpha'") -> tuple[list[str], list[Any]]:
    params = {"from": START, "to": datetime(2024, 3, 1, 12, 59, 59)}
    with engine.connect() as connection:
        result = connection.execute(text(grafana_to_sql(query, agents)), params)
        return list(result.keys()), [tuple(row) for row in result]


def test_provisioning_files_point_at_the_dashboard_datasource() -> None:
    sources = yaml.safe_load((GRAFANA / "provisioning/datasources/agent_monitor.yaml").read_text())
    (source,) = sources["datasources"]
    assert source["type"] == "grafana-postgresql-datasource"
    providers = yaml.safe_load((GRAFANA / "provisioning/dashboards/agent_monitor.yaml").read_text())
    assert providers["providers"][0]["type"] == "file"
    uids = {t["datasource"]["uid"] for p in panels() for t in p["targets"]}
    uids |= {v["datasource"]["uid"] for v in dashboard()["templating"]["list"]}
    assert uids == {source["uid"]}
    ids = [p["id"] for p in dashboard()["panels"]]
    assert len(ids) == len(set(ids))


def test_only_known_macros_are_used() -> None:
    queries = [t["rawSql"] for p in panels() for t in p["targets"]]
    used = {m for q in queries for m in re.findall(r"\$__\w+", q)}
    assert used <= MACROS
    assert all("$agent" in q for q in queries)  # every panel follows the agent selector


@pytest.mark.postgres
def test_template_variable_lists_every_agent(engine: Engine) -> None:
    (variable,) = dashboard()["templating"]["list"]
    assert variable["name"] == "agent" and variable["multi"] and variable["includeAll"]
    columns, rows = run(engine, variable["query"])
    assert columns == ["agent_id"]
    assert rows == [("alpha",), ("beta",), ("gamma",)]


@pytest.mark.postgres
@pytest.mark.parametrize("panel", panels(), ids=lambda p: p["title"])
def test_panel_query_runs(engine: Engine, panel: dict[str, Any]) -> None:
    for target in panel["targets"]:
        columns, rows = run(engine, target["rawSql"], agents="'alpha','beta'")
        assert columns == EXPECTED.get(panel["title"], SERIES), panel["title"]
        assert rows, f"{panel['title']}: no rows on the seeded warehouse"


@pytest.mark.postgres
def test_status_table_values(engine: Engine) -> None:
    (panel,) = [p for p in panels() if p["title"] == "Agent status (latest hour in range)"]
    columns, rows = run(engine, panel["targets"][0]["rawSql"], agents="'alpha','beta','gamma'")
    table = {row[0]: dict(zip(columns, row, strict=True)) for row in rows}
    # ranks: critical 3, warning 2, ok 1, no_data 0; worst overall first
    assert [row[0] for row in rows] == ["alpha", "beta", "gamma"]
    assert table["alpha"]["overall"] == 3 and table["alpha"]["M4 hallucination"] == 3
    assert table["alpha"]["M3 disagreement"] == 2  # approval warning beats refund ok
    assert table["alpha"]["M2 coherence"] == 0
    assert table["alpha"]["as of"] == END  # not the all-ok 11:00
    assert table["gamma"]["as of"] == datetime(2024, 3, 1, 8)


@pytest.mark.postgres
@pytest.mark.parametrize(
    ("title", "agent", "expected"),
    [
        # alpha, every hour: (1 + 3) handoffs / (10 + 10) sessions across v1 and v2 = 0.2
        ("M7 user escalation rate", "alpha", [0.2] * 6),
        # beta at 09, 11, 12: 1 / 25
        ("M7 user escalation rate", "beta", [0.04] * 3),
        # alpha's agent-level row: 3 completed / 4 ended
        ("M5 workflow completion rate", "alpha", [0.75] * 6),
        # (33 − 2i) / 40 for i = 0…5
        ("Hourly mean confidence", "alpha", [0.825, 0.775, 0.725, 0.675, 0.625, 0.575]),
        ("P1 confidence drift velocity (per hour)", "alpha",
         [-0.02, -0.03, -0.04, -0.05, -0.06, -0.07]),
    ],
)
def test_series_values(engine: Engine, title: str, agent: str, expected: list[float]) -> None:
    (panel,) = [p for p in panels() if p["title"] == title]
    _, rows = run(engine, panel["targets"][0]["rawSql"], agents=f"'{agent}'")
    assert [value for _, _, value in rows if value is not None] == pytest.approx(expected)


@pytest.mark.postgres
def test_firing_alerts_only(engine: Engine) -> None:
    (panel,) = [p for p in panels() if p["title"] == "Firing alerts"]
    _, rows = run(engine, panel["targets"][0]["rawSql"])
    assert len(rows) == 1  # episode 2 fires, episode 1 resolved


def test_dashboard_file_is_valid_json() -> None:
    assert Path(DASHBOARD).exists() and dashboard()["uid"] == "agent-monitor-health"
