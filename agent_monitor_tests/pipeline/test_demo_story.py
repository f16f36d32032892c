"""`agent-monitor demo` (synthetic, 72 h) end to end: what an on-call engineer finds afterwards."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import urllib.request
from datetime import datetime, timedelta
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import create_engine, select

from agent_monitor.lib.dashboard.render import STATUS_COLOURS
from agent_monitor.lib.dashboard.timeline import FRAME_COLOUR
from agent_monitor.lib.generator.ground_truth import GROUND_TRUTH_FILE, GroundTruth
from agent_monitor.lib.warehouse.tables_signals import failure_chains
from agent_monitor_tests.conftest import PROJECT_ROOT
from agent_monitor_tests.lib.dashboard.png import read_png
from agent_monitor_tests.lib.dashboard.test_browser import CHROMIUM, FLAGS

pytestmark = pytest.mark.slow
TIMEOUT_S = 1200


def _env(home: Path) -> dict[str, str]:
    env = {**os.environ, "AGENT_MONITOR_HOME": str(home)}
    for name in ("AGENT_MONITOR_DATABASE_URL", "SLACK_BOT_TOKEN", "AGENT_MONITOR_CONFIG", "DAGSTER_HOME"):
        env.pop(name, None)
    return env


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The demo's folder after `agent-monitor demo` ran (3–4 min)."""
    home = tmp_path_factory.mktemp("demo_home")
    command = [sys.executable, "-c", "from agent_monitor.cli import main; raise SystemExit(main())", "demo"]
    done = subprocess.run(command, cwd=PROJECT_ROOT, env=_env(home), capture_output=True, text=True,
                          timeout=TIMEOUT_S, check=False)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    folder = home / "demo"
    (folder / "demo_stdout.txt").write_text(done.stdout)
    return folder


def _truth(demo: Path) -> GroundTruth:
    return GroundTruth.from_json((demo / "demo_logs" / GROUND_TRUTH_FILE).read_text())


def _in_demo_instance(demo: Path, script: str) -> Any:
    """Run `script` in a child process set up as `dagster dev` after the demo is (the printed
    command's environment); it prints one JSON value, returned."""
    env = {**_env(demo), "DAGSTER_HOME": str(demo / "dagster_home"),
           "AGENT_MONITOR_CONFIG": str(demo / "agent_monitor.yaml"),
           "AGENT_MONITOR_DATABASE_URL": f"sqlite:///{demo / 'warehouse.db'}"}
    done = subprocess.run([sys.executable, "-c", script], cwd=PROJECT_ROOT, env=env,
                          capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_failure_chains_root_the_cascade_at_the_upstream_agent(demo: Path) -> None:
    [cascade] = [i for i in _truth(demo).incidents if i.kind == "cascade"]
    upstream, downstream = cascade.agents[0], set(cascade.agents[1:])
    engine = create_engine(f"sqlite:///{demo / 'warehouse.db'}")
    with engine.connect() as connection:
        rows = [dict(r) for r in connection.execute(select(failure_chains)).mappings()]
    engine.dispose()
    start, end = cascade.start.replace(tzinfo=None), cascade.end.replace(tzinfo=None)
    during = [r for r in rows if start <= r["root_hour"] < end]
    wide = [r for r in during if r["root_agent_id"] == upstream and r["blast_radius"] > 0
            and downstream <= set(r["affected_agents"])]
    # The cascade's burst failures take the downstream steps with them (skipped): dozens of
    # chains rooted upstream in the 8 h span, more than rooted at any other agent.
    assert len(wide) >= 30
    roots = {a: sum(1 for r in during if r["root_agent_id"] == a) for a in {r["root_agent_id"] for r in during}}
    assert max(roots, key=lambda a: roots[a]) == upstream


AUTOMATION_SCRIPT = """
import json
import dagster as dg
from agent_monitor.build import report_changed_hours
from agent_monitor.definitions import defs
from agent_monitor.defs.partitions import hourly_partitions
from agent_monitor.defs.resources import Warehouse
import os

with dg.DagsterInstance.get() as instance:
    states = [s for s in instance.all_instigator_state() if s.name == "raw_events_update_sensor"]
    cursor = states[0].instigator_data.cursor if states else None
    # The first tick of the update sensor under `dagster dev`, from the cursor the demo left.
    report_changed_hours(instance, Warehouse(url=os.environ["AGENT_MONITOR_DATABASE_URL"]), cursor)
    result = dg.evaluate_automation_conditions(defs=defs, instance=instance)
    check_keys = list(defs.resolve_asset_graph().asset_check_keys)
    latest = instance.event_log_storage.get_latest_asset_check_execution_by_key(check_keys)
    passed = [k for k, r in latest.items() if r.status.value == "SUCCEEDED"]
    print(json.dumps({"cursor": cursor is not None, "requested": result.total_requested,
                      "partitions": len(hourly_partitions.get_partition_keys()),
                      "checks": len(check_keys), "checks_passed": len(passed)}))
"""


def test_after_the_demo_the_automation_has_nothing_to_do(demo: Path) -> None:
    found = _in_demo_instance(demo, AUTOMATION_SCRIPT)
    assert found["cursor"] is True
    assert found["requested"] == 0
    # The partitions start at the generated data: 72 h of traffic, 74 h since, the current hour.
    assert 72 + 74 <= found["partitions"] <= 72 + 74 + 2
    # Every asset check ran in the demo's build, and passed.
    assert found["checks"] >= 7 and found["checks_passed"] == found["checks"]


def test_the_dashboard_is_where_the_slack_links_point(demo: Path) -> None:
    page = demo / "dashboard" / "index.html"
    assert page.is_file()
    messages = json.loads((demo / "slack_messages.json").read_text())
    urls = {u for m in messages for u in _urls(m["blocks"]) if "Dashboard" in u}
    assert urls and all(page.as_uri() in u for u in urls)


PAGE_LINE = re.compile(r"^\s+(\d\d-\d\d) (\d\d):(\d\d)\s+(fire|repeat|resolve)\s+(\S+) (\S+)$")


def test_the_alert_sensor_ticks_inside_hours_and_pages_each_incident(demo: Path) -> None:
    out = (demo / "demo_stdout.txt").read_text()
    pages = [m.groups() for line in out.splitlines() if (m := PAGE_LINE.match(line))]
    # Pages were sent while the traffic arrived, from ticks at half past the hour: the hour
    # was still filling when it was judged.
    assert any(kind == "fire" and minute == "30" for _, _, minute, kind, _, _ in pages)
    report = out.split("injected incidents (ground truth) and the alerts they produced:")[1]
    blocks = re.split(r"\n   - ", report)[1:4]
    assert [b.split(" on ")[0] for b in blocks] == ["context_decay", "cascade", "hallucination_drift"]
    for block in blocks:
        # Each incident has at least one alert of a rule it is expected to move, delivered.
        assert re.search(r"\(expected; (delivered|inhibited by [\w-]+)\)", block), block


def _urls(blocks: list[dict[str, Any]]) -> list[str]:
    return [part for part in json.dumps(blocks).split("<")[1:]]


# --- the dashboard in a browser -------------------------------------------------------------

class Tags(HTMLParser):
    """Every start tag with its attributes, from the DOM Chromium dumps."""

    def __init__(self) -> None:
        super().__init__()
        self.found: list[tuple[str, dict[str, str]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.found.append((tag, {k: v or "" for k, v in attrs}))


def _chromium(url: str, folder: Path, *args: str) -> str:
    if CHROMIUM is None:
        pytest.skip("chromium is not installed (scripts/install_browser.sh)")
    done = subprocess.run(
        [CHROMIUM, *FLAGS, "--force-device-scale-factor=1", f"--user-data-dir={folder / 'profile'}",
         *args, url], capture_output=True, text=True, timeout=180, check=True)
    return done.stdout


def _rgb(colour: str) -> tuple[int, int, int]:
    return tuple(int(colour[i:i + 2], 16) for i in (1, 3, 5))  # type: ignore[return-value]


def _near(pixel: tuple[int, int, int], colour: str) -> bool:
    return all(abs(p - q) <= 3 for p, q in zip(pixel, _rgb(colour), strict=True))


def test_the_timeline_shows_the_three_incidents_at_their_hours(demo: Path, tmp_path: Path) -> None:
    page = demo / "dashboard" / "index.html"
    tags = Tags()
    tags.feed(_chromium(page.as_uri(), tmp_path, "--dump-dom"))
    [svg] = [a for t, a in tags.found if t == "svg" and a.get("class") == "timeline"]
    first = datetime.fromisoformat(svg["data-first-hour"])
    width, band = int(svg["data-cell-width"]), int(svg["data-band-height"])
    agents = list(dict.fromkeys(a["data-agent"] for t, a in tags.found if t == "rect" and "data-agent" in a))
    episodes = [a for t, a in tags.found if t == "g" and a.get("class") == "tl-episode"]
    shot = tmp_path / "shot.png"
    _chromium(page.as_uri(), tmp_path, f"--screenshot={shot}", "--window-size=1400,1400")
    _, _, pixels = read_png(shot)
    framed = [(x, y) for y, row in enumerate(pixels) for x, p in enumerate(row) if _near(p, FRAME_COLOUR)]
    left, top = min(x for x, _ in framed) + 1, min(y for _, y in framed)

    def pixel(agent: str, hour: datetime) -> tuple[int, int, int]:
        column = int((hour - first) / timedelta(hours=1))
        return pixels[top + agents.index(agent) * band + 6][left + column * width + width // 2]

    truth = _truth(demo)
    assert len(truth.incidents) == 3
    for incident in truth.incidents:
        agent = incident.agents[0]
        start, end = incident.start.replace(tzinfo=None), incident.end.replace(tzinfo=None)
        # Healthy the hour before, sick (amber or red) during the incident.
        assert _near(pixel(agent, start - timedelta(hours=1)), STATUS_COLOURS["ok"]), incident.kind
        span = [start + timedelta(hours=h) for h in range(int((end - start) / timedelta(hours=1)))]
        sick = [h for h in span if any(_near(pixel(agent, h), STATUS_COLOURS[s]) for s in ("warning", "critical"))]
        assert sick, incident.kind
        # An alert episode of an incident agent starts in the incident (or up to 6 h after).
        fired = [datetime.fromisoformat(e["data-first-hour"]) for e in episodes
                 if e["data-agent"] in incident.agents]
        assert any(start <= f <= end + timedelta(hours=6) for f in fired), incident.kind


def test_a_trace_page_is_reachable_from_an_alert_link(demo: Path, tmp_path: Path) -> None:
    messages = json.loads((demo / "slack_messages.json").read_text())
    links = [url for m in messages for b in m["blocks"] if b["type"] == "context"
             for el in b["elements"] if el["text"].startswith("Example traces:")
             for url in re.findall(r"<([^|>]+)\|", el["text"])]
    assert links, "no alert message links an example trace"
    url = links[0]
    folder = (demo / "dashboard").as_uri()
    assert url.startswith(folder + "/traces/")
    tags = Tags()
    tags.feed(_chromium(url, tmp_path, "--dump-dom"))
    assert [a for t, a in tags.found if t == "tr" and "data-event" in a]
    # Flagged and failed responses are linked first: some linked page highlights why to look.
    pages = {(demo / "dashboard" / u[len(folder) + 1:]).read_text() for u in links}
    assert any('data-highlights="hallucination flag' in page for page in pages)
    # The same page over HTTP from `agent-monitor dashboard serve` on loopback.
    server = subprocess.Popen(
        [sys.executable, "-c", "from agent_monitor.cli import main; raise SystemExit(main())",
         "dashboard", "serve", "--folder", str(demo / "dashboard"), "--port", "0"],
        cwd=PROJECT_ROOT, env=_env(demo), stdout=subprocess.PIPE, text=True)
    try:
        assert server.stdout is not None
        served = re.search(r"http://127\.0\.0\.1:(\d+)/", server.stdout.readline())
        assert served
        relative = url[len(folder) + 1:]
        with urllib.request.urlopen(f"http://127.0.0.1:{served.group(1)}/{relative}", timeout=30) as response:
            assert response.status == 200
            assert "Session profiler" in response.read().decode()
    finally:
        server.terminate()
        server.wait(timeout=30)
