"""The `dashboard` config section and the dashboard link that follows it."""

from __future__ import annotations

from pathlib import Path

import pytest

from agent_monitor.lib.config import ConfigError, MonitorConfig, parse_config


def test_defaults_point_the_link_at_the_written_page(tmp_path: Path) -> None:
    # conftest: AGENT_MONITOR_HOME = tmp_path / "home"
    config = MonitorConfig()
    page = tmp_path / "home" / "dashboard" / "index.html"
    assert config.dashboard.window_hours == 72
    assert config.dashboard.resolved_output_path() == page
    assert config.links.dashboard_url == page.as_uri()


def test_link_follows_a_configured_output_path(tmp_path: Path) -> None:
    config = parse_config({"dashboard": {"output_path": str(tmp_path / "d.html"),
                                         "window_hours": 24}})
    assert config.links.dashboard_url == (tmp_path / "d.html").as_uri()
    assert config.dashboard.window_hours == 24


def test_an_explicit_link_wins() -> None:
    config = parse_config({"dashboard": {"output_path": "/srv/x.html"},
                           "links": {"dashboard_url": "https://monitor.example.com/"}})
    assert config.links.dashboard_url == "https://monitor.example.com/"


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"dashboard": {"window_hours": 0}}, "dashboard.window_hours: must be at least 1"),
        ({"dashboard": {"window_hours": "72"}}, "dashboard.window_hours: expected an integer"),
        ({"dashboard": {"hours": 72}}, "dashboard.hours: unknown key"),
    ],
)
def test_invalid_sections_name_the_key(raw: dict, message: str) -> None:
    with pytest.raises(ConfigError, match=message):
        parse_config(raw)
