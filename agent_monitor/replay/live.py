"""Run a live replay from a generated log to its report: pages, lead times, table differences."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

import dagster as dg
import yaml

from agent_monitor.defs.alerting.resources import TOKEN_ENV_VAR
from agent_monitor.defs.resources import MonitorSettings, Warehouse
from agent_monitor.lib.config import ReviewSettings
from agent_monitor.lib.generator import GeneratorSettings, GroundTruth, generate
from agent_monitor.lib.replay import REPLAY_REVIEW_RATE
from agent_monitor.lib.replay.arrivals import deliveries
from agent_monitor.lib.replay.pages import Page, parse_page
from agent_monitor.lib.slack_standin import SlackStandIn
from agent_monitor.replay.compare import backfill, table_differences
from agent_monitor.replay.ticks import Loop

HOUR = timedelta(hours=1)
CHANNEL = "C0REPLAY"
TOKEN = "xoxb-replay-stand-in"


@dataclass(frozen=True)
class ReplaySettings:
    """What to generate and how to tick. Every file goes under `folder`."""

    folder: Path
    hours: int = 72
    seed: int = 7
    incidents: bool = True
    start: datetime = datetime(2026, 1, 5)
    tick_minutes: int = 30
    slice_minutes: int = 5
    review_every_hours: int = 6
    traffic_scale: float = 1.0
    compare: bool = True
    # The share of responses reviewers judge, for the generator's reviewers and the sampler.
    review_base_rate: float = REPLAY_REVIEW_RATE
    database_url: str | None = None  # default: SQLite in `folder`
    links: dict[str, str] | None = None  # the `links` config section; default: loopback pages
    logs_name: str = "logs"  # the generated logs go to `folder / logs_name`
    base_config: Path | None = None  # settings the replay's own (landing, Slack, …) add to


@dataclass
class ReplayResult:
    """What the replay saw: every Slack message with its replay time, and how it compares."""

    truth: GroundTruth
    pages: list[Page] = field(default_factory=list)
    ticks: int = 0
    runs: int = 0
    seconds: float = 0.0
    seconds_by_step: dict[str, float] = field(default_factory=dict)
    differences: dict[str, list[str]] | None = None
    last_tick: datetime | None = None
    messages: list[dict] = field(default_factory=list)  # as the Slack stand-in received them
    config_path: Path | None = None
    update_cursor: str | None = None  # the raw-events update sensor's, after the last tick


def _generator_settings(settings: ReplaySettings) -> GeneratorSettings:
    return GeneratorSettings(seed=settings.seed, start=settings.start, hours=settings.hours,
                             incidents=None if settings.incidents else (),
                             traffic_scale=settings.traffic_scale,
                             review=ReviewSettings(base_rate=settings.review_base_rate))


def _config(settings: ReplaySettings, standin: SlackStandIn) -> Path:
    """The replay's configuration file: `base_config` (if any) with its landing folder, review
    rate, Slack stand-in and links."""
    raw: dict = {}
    if settings.base_config is not None:
        raw = yaml.safe_load(settings.base_config.read_text(encoding="utf-8")) or {}
    raw.setdefault("ingest", {})["landing_folder"] = str(settings.folder / "landing")
    raw.setdefault("review", {})["base_rate"] = settings.review_base_rate
    raw.setdefault("slack", {}).update(channel=CHANNEL, base_url=standin.base_url, timeout_seconds=2.0)
    if settings.links is not None:
        raw.setdefault("links", {}).update(settings.links)
    elif settings.base_config is None:
        raw["links"] = {"dagster_ui_base_url": "http://127.0.0.1:3000", "dashboard_url": "http://127.0.0.1:8765/"}
    path = settings.folder / "replay.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def tick_times(start: datetime, end: datetime, arrivals: list[datetime], tick_minutes: int) -> list[datetime]:
    """Ticks every `tick_minutes` over the generated period, half a tick after each boundary so
    that every tick falls inside an hour; after the period, a tick 5 min after each later
    delivery (review batches) and a last one 25 hours after the last, so every hour ends and is
    rebuilt whole while its 24-hour look-back still has events."""
    step = timedelta(minutes=tick_minutes)
    times, now = [], start + step / 2
    while now < end:
        times.append(now)
        now += step
    later = sorted({at + timedelta(minutes=5) for at in arrivals if at + timedelta(minutes=5) > times[-1]})
    times += later
    times.append(max(times[-1], max(arrivals)).replace(minute=5, second=0, microsecond=0) + 25 * HOUR)
    return times


def run_replay(
    settings: ReplaySettings, log: Callable[[str], None] = print,
    instance: dg.DagsterInstance | None = None,
) -> ReplayResult:
    """Generate, replay tick by tick against a loopback Slack, then compare with a backfill.

    Runs and materializations go to `instance` (default: an ephemeral one)."""
    from agent_monitor.definitions import defs

    started = time.perf_counter()
    settings.folder.mkdir(parents=True, exist_ok=True)
    truth = generate(_generator_settings(settings), settings.folder / settings.logs_name)
    files = sorted((settings.folder / settings.logs_name).glob("events-*"))
    pending = deliveries(files, settings.start, settings.slice_minutes, settings.review_every_hours)
    landing = settings.folder / "landing"
    landing.mkdir(exist_ok=True)
    url = settings.database_url or f"sqlite:///{settings.folder / 'live.db'}"
    result = ReplayResult(truth)
    previous_token = os.environ.get(TOKEN_ENV_VAR)
    os.environ[TOKEN_ENV_VAR] = TOKEN
    try:
        with SlackStandIn(token=TOKEN) as standin, _instance(instance) as dagster:
            result.config_path = _config(settings, standin)
            monitor = MonitorSettings(path=str(result.config_path))
            loop = Loop(defs, dagster, Warehouse(url=url), monitor, landing, list(pending))
            end = settings.start + settings.hours * HOUR
            times = tick_times(settings.start, end, [d.at for d in pending], settings.tick_minutes)
            log(f"replaying {len(pending)} files over {len(times)} ticks "
                f"({times[0]:%Y-%m-%d %H:%M} … {times[-1]:%Y-%m-%d %H:%M})")
            for index, now in enumerate(times):
                seen = len(standin.messages)
                loop.tick(now)
                for message in standin.messages[seen:]:
                    page = parse_page(message["metadata"]["event_payload"]["key"], now)
                    result.pages.append(page)
                    log(f"  {now:%m-%d %H:%M}  {page.kind:<7} {page.rule} {page.scope}")
                if index % 24 == 23:
                    parts = ", ".join(f"{k} {v:.0f} s" for k, v in sorted(loop.seconds.items()))
                    log(f"  … {now:%m-%d %H:%M}: {loop.runs} runs, {time.perf_counter() - started:.0f} s ({parts})")
                    slowest = ", ".join(f"{k} {v:.0f} s" for k, v in loop.step_seconds.most_common(5))
                    log(f"    slowest build steps so far: {slowest}")
            result.ticks, result.runs, result.seconds_by_step = len(times), loop.runs, dict(loop.seconds)
            result.last_tick = times[-1]
            result.messages = list(standin.messages)
            result.update_cursor = loop.update_cursor
            if settings.compare:
                log("building the same events in one backfill run to compare")
                rebuilt = backfill(files, f"sqlite:///{settings.folder / 'backfill.db'}", monitor,
                                   settings.start, times[-1])
                result.differences = table_differences(loop.warehouse.engine, rebuilt)
                rebuilt.dispose()
            loop.warehouse.engine.dispose()
    finally:
        if previous_token is None:
            os.environ.pop(TOKEN_ENV_VAR, None)
        else:
            os.environ[TOKEN_ENV_VAR] = previous_token
    result.seconds = time.perf_counter() - started
    return result


@contextmanager
def _instance(given: dg.DagsterInstance | None) -> Iterator[dg.DagsterInstance]:
    if given is not None:
        yield given
        return
    with dg.DagsterInstance.ephemeral() as instance:
        yield instance
