"""The page as a person sees it: rendered by headless Chromium (DOM and screenshot)."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Sequence
from datetime import datetime
from html.parser import HTMLParser
from pathlib import Path

import pytest

from agent_monitor.lib.dashboard import build_dashboard
from agent_monitor.lib.dashboard.render import STATUS_COLOURS
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor_tests.lib.dashboard.png import read_png
from agent_monitor_tests.lib.dashboard.seed import ALPHA_STATUSES, seed

pytestmark = pytest.mark.slow
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
FLAGS = ("--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync")
RULE_ORDER = ("overall", *(r for r in ALPHA_STATUSES if r != "overall"))


@pytest.fixture(scope="module")
def chromium() -> str:
    if CHROMIUM is None:
        if os.environ.get("CI"):
            pytest.fail("chromium is required under CI (scripts/install_browser.sh installs it)")
        pytest.skip("chromium is not installed (apt-get install chromium)")
    return CHROMIUM


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("dashboard")
    engine = open_warehouse(f"sqlite:///{folder / 'warehouse.db'}")
    seed(engine)
    build_dashboard(engine, folder / "index.html", 6, datetime(2024, 3, 1, 13))
    engine.dispose()
    return folder / "index.html"


def run_chromium(chromium: str, page: Path, *args: str) -> str:
    profile = page.parent / f"profile{len(args)}"
    done = subprocess.run(
        [chromium, *FLAGS, f"--user-data-dir={profile}", *args, page.as_uri()],
        capture_output=True, text=True, timeout=120, check=True,
    )
    return done.stdout


class Elements(HTMLParser):
    """Every start tag with its attributes, from the DOM Chromium dumps."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {k: v or "" for k, v in attrs}))


def test_rendered_dom_has_agents_statuses_and_chart_points(chromium: str, page: Path) -> None:
    elements = Elements()
    elements.feed(run_chromium(chromium, page, "--dump-dom"))
    rows = [a["data-agent"] for tag, a in elements.found if tag == "tr" and "data-agent" in a]
    assert rows == ["alpha", "beta", "gamma"]
    cells = {(a["data-agent"], a["data-rule"]): a for tag, a in elements.found
             if tag == "td" and "data-status" in a}
    for rule, status in ALPHA_STATUSES.items():
        assert cells[("alpha", rule)]["data-status"] == status
        assert f"status-{status}" in cells[("alpha", rule)]["class"].split()
    assert {cells[("beta", r)]["data-status"] for r in RULE_ORDER} == {"ok"}
    assert {cells[("gamma", r)]["data-status"] for r in RULE_ORDER} == {"no_data"}
    # points per chart and agent, counted from seed.py: alpha has all 6 hours everywhere;
    # beta has confidence/M7 at 09, 11, 12, P1 at 11, 12, and no ended run (no M5 line).
    points: dict[str, dict[str, int]] = {}
    chart = ""
    for tag, a in elements.found:
        if tag == "svg" and "data-chart" in a:
            chart = a["data-chart"]
        if tag == "path" and "series" in a.get("class", ""):
            points.setdefault(chart, {})[a["data-agent"]] = int(a["data-points"])
            assert a["d"].count(",") == int(a["data-points"])
    assert points == {
        "p1_slope_per_hour": {"alpha": 6, "beta": 2},
        "mean_confidence": {"alpha": 6, "beta": 3},
        "m7_escalation_rate": {"alpha": 6, "beta": 3},
        "m5_completion_rate": {"alpha": 6},
    }


def colour_runs(row: Sequence[tuple[int, int, int]], min_width: int = 20) -> tuple[str, ...]:
    """The status colours met left to right along one pixel row, as runs ≥ min_width px."""
    targets = {s: tuple(int(c[i:i + 2], 16) for i in (1, 3, 5)) for s, c in STATUS_COLOURS.items()}

    def status_of(pixel: tuple[int, int, int]) -> str | None:
        return next((s for s, t in targets.items()
                     if all(abs(p - q) <= 3 for p, q in zip(pixel, t, strict=True))), None)

    runs: list[str] = []
    current, width = None, 0
    for pixel in [*row, (255, 255, 255)]:
        status = status_of(pixel)
        if status == current:
            width += 1
            continue
        if current is not None and width >= min_width:
            runs.append(current)
        current, width = status, 1
    return tuple(runs)


def test_screenshot_colours_follow_statuses(chromium: str, page: Path) -> None:
    shot = page.parent / "shot.png"
    run_chromium(chromium, page, f"--screenshot={shot}", "--window-size=1400,2000")
    width, height, pixels = read_png(shot)
    assert (width, height) == (1400, 2000)
    # The status table is below the timeline; the timeline's rows have fewer, narrower runs.
    seen = {colour_runs(row) for row in pixels}
    # a pixel row through each agent's cells shows its statuses in column order
    alpha = tuple(ALPHA_STATUSES[r] for r in RULE_ORDER)
    assert alpha == ("critical", "ok", "no_data", "warning", "critical", "warning", "ok",
                     "warning", "ok", "ok", "ok")
    assert alpha in seen
    assert ("ok",) * 11 in seen  # beta
    assert ("no_data",) * 11 in seen  # gamma
    # red appears only in rows that are alpha's: no other pixel row has a critical run
    assert {runs for runs in seen if "critical" in runs and len(runs) == 11} == {alpha}
