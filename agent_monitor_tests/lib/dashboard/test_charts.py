"""SVG line charts: gaps, axis range, point counts, escaping."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import pytest

from agent_monitor.lib.dashboard.charts import (
    PALETTE,
    ChartSpec,
    Frame,
    agent_colours,
    line_chart,
    segments,
    value_range,
)
from agent_monitor.lib.dashboard.render import STATUS_COLOURS

HOURS = [datetime(2024, 3, 1) + timedelta(hours=i) for i in range(5)]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        ([], []),
        ([None, None], []),
        ([1.0, 2.0, 3.0], [[(0, 1.0), (1, 2.0), (2, 3.0)]]),
        ([1.0, None, 3.0, 4.0], [[(0, 1.0)], [(2, 3.0), (3, 4.0)]]),
        ([None, 0.0, float("nan"), 5.0], [[(1, 0.0)], [(3, 5.0)]]),
    ],
)
def test_segments_break_at_missing_hours(values: list, expected: list) -> None:
    assert segments(values) == expected


@pytest.mark.parametrize(
    ("values", "threshold", "y_min", "expected"),
    [
        ([], None, None, (0.0, 1.0)),
        ([0.2, 0.6], None, None, (0.16, 0.64)),  # pad 10 % of 0.4 = 0.04
        ([0.1], -0.05, None, (-0.065, 0.115)),  # span 0.15 → pad 0.015
        ([0.5], None, None, (0.45, 0.55)),  # a flat line: pad max(0.05, 0.05)
        ([0.02, 0.1], 0.08, 0.0, (0.0, 0.11)),  # low floored at y_min: max(0, −0.01)
    ],
)
def test_value_range(values: list, threshold: float | None, y_min: float | None,
                     expected: tuple[float, float]) -> None:
    assert value_range(values, threshold, y_min) == pytest.approx(expected)


def test_frame_maps_values_and_hours() -> None:
    frame = Frame(width=120, height=100, left=10, right=10, top=10, bottom=10, low=0.0, high=1.0)
    # plot 100 px wide: 5 hours at 10, 35, 60, 85, 110; 80 px high: 1.0 at 10, 0.0 at 90
    assert [frame.x(i, 5) for i in range(5)] == [10, 35, 60, 85, 110]
    assert frame.x(0, 1) == 60  # a single hour sits in the middle
    assert (frame.y(1.0), frame.y(0.25), frame.y(0.0)) == (10, 70, 90)


def test_one_path_per_agent_with_its_point_count() -> None:
    series = {"a": [0.1, 0.2, None, 0.4, 0.5], "b": [None, 0.3, None, None, None],
              "c": [None] * 5}
    svg = line_chart(ChartSpec("x", "X", threshold=-0.05), HOURS, series, agent_colours(list(series)))
    paths = re.findall(r'<path class="series" data-agent="([^"]*)" data-points="(\d+)" d="([^"]*)"',
                       svg)
    assert [(agent, int(n)) for agent, n, _ in paths] == [("a", 4), ("b", 1)]  # c has no data
    d_a = paths[0][2]
    assert d_a.count("M") == 2 and len(re.findall(r"[\d.]+,[\d.]+", d_a)) == 4  # the gap splits it
    assert svg.count('<circle class="point" data-agent="b"') == 1  # a lone hour is a dot
    assert 'data-threshold="-0.05"' in svg


def test_agent_names_are_escaped_in_svg() -> None:
    svg = line_chart(ChartSpec("x", "X"), HOURS[:2], {'<b>"x"</b>': [0.1, 0.2]}, {})
    assert "<b>" not in svg
    assert 'data-agent="&lt;b&gt;&quot;x&quot;&lt;/b&gt;"' in svg


def test_palette_avoids_status_colours() -> None:
    assert not set(PALETTE) & set(STATUS_COLOURS.values())
    assert agent_colours(["a", "b"]) == {"a": PALETTE[0], "b": PALETTE[1]}
