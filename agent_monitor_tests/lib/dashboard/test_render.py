"""The page: status cells, value formats, escaping, and nothing fetched from the network."""

from __future__ import annotations

import re
from datetime import datetime

import pytest
from sqlalchemy import Engine

from agent_monitor.lib.dashboard.data import load_dashboard_data
from agent_monitor.lib.dashboard.render import format_value, render_dashboard
from agent_monitor_tests.lib.dashboard.seed import seed

GENERATED = datetime(2024, 3, 1, 13, 5)


@pytest.mark.parametrize(
    ("rule", "value", "expected"),
    [
        ("m4_hallucination_rate", None, "—"),
        ("m4_hallucination_rate", 0.0234, "0.023"),
        ("m6_recovery_time", 1234.4, "1,234 s"),
        ("p1_confidence_drift", -0.0612, "-0.061/h"),
        ("p1_confidence_drift", 0.01, "+0.010/h"),
    ],
)
def test_format_value(rule: str, value: float | None, expected: str) -> None:
    assert format_value(rule, value) == expected


def _page(engine: Engine, names: tuple[str, str, str]) -> str:
    seed(engine, names)
    with engine.connect() as connection:
        return render_dashboard(load_dashboard_data(connection, 6), GENERATED)


def test_status_cells_carry_status_and_rule(warehouse_engine: Engine) -> None:
    page = _page(warehouse_engine, ("alpha", "beta", "gamma"))
    cells = re.findall(r'<td class="status status-(\w+)" data-status="(\w+)" data-rule="(\w+)" '
                       r'data-agent="(\w+)"', page)
    assert all(css == status for css, status, _, _ in cells)
    # 3 agents × (overall + 7 metrics + 3 signals)
    assert len(cells) == 33
    alpha = {rule: status for _, status, rule, agent in cells if agent == "alpha"}
    assert alpha["m4_hallucination_rate"] == "critical"
    assert alpha["m7_escalation_rate"] == "warning"
    # rows worst first: alpha (critical), beta (ok), gamma (no_data)
    assert re.findall(r'<tr data-agent="(\w+)"', page) == ["alpha", "beta", "gamma"]


@pytest.mark.parametrize("hostile", ["<script>alert(1)</script>", "<!channel>"])
def test_hostile_agent_names_are_escaped(warehouse_engine: Engine, hostile: str) -> None:
    page = _page(warehouse_engine, (hostile, "beta", 'q"uote'))
    assert hostile not in page
    assert "<script" not in page
    escaped = hostile.replace("<", "&lt;").replace(">", "&gt;")
    assert f'<tr data-agent="{escaped}">' in page
    assert f'data-agent="{escaped}" data-points="6"' in page  # its chart lines too
    assert 'data-agent="q&quot;uote"' in page


def test_page_is_self_contained(warehouse_engine: Engine) -> None:
    page = _page(warehouse_engine, ("alpha", "beta", "gamma"))
    for fetch in ("<script", "<link", "src=", "@import", "url(", "http://", "https://"):
        assert fetch not in page.replace('xmlns="http://www.w3.org/2000/svg"', "")


def test_empty_page_says_so() -> None:
    from agent_monitor.lib.dashboard.data import DashboardData

    page = render_dashboard(DashboardData((), (), {}, {}), GENERATED)
    assert "no data yet" in page
