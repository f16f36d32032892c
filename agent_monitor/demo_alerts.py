"""The demo's alert step: replay the alert sensor hour by hour into a Slack stand-in."""

import json
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, func, select

from agent_monitor.defs.alerting.resources import Slack
from agent_monitor.defs.alerting.schedules import post_digest
from agent_monitor.defs.alerting.sensors import alert_tick
from agent_monitor.lib.alert_store.alerts import delivery_label
from agent_monitor.lib.alerting.catalogue import CATALOGUE
from agent_monitor.lib.config import ConfigError, MonitorConfig, load_config
from agent_monitor.lib.slack_standin import SlackStandIn
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor.lib.warehouse.tables_alerting import alerts
from agent_monitor.lib.warehouse.tables_health import agent_health

HOUR = timedelta(hours=1)
TICK_DELAY = timedelta(minutes=5)  # each replayed tick runs 5 min after its hour ended
DEMO_CHANNEL = "C0DEMOALERTS"


def run_alert_demo(database_url: str, ground_truth: Path | None = None, output_folder: Path | None = None) -> None:
    """Replay one sensor tick per built hour (5 min after it ended) against a loopback Slack,
    then report as `report_alerts` does. For logs built in one backfill (`demo --real`)."""
    engine = open_warehouse(database_url)
    config = _config()
    with engine.connect() as connection:
        first, last = connection.execute(
            select(func.min(agent_health.c.hour), func.max(agent_health.c.hour))).one()
    if first is None:
        print("\n4. alerts: agent_health is empty, nothing to alert on")
        engine.dispose()
        return
    print(f"\n4. alerts: the alert sensor replayed hour by hour ({first:%Y-%m-%d %H:00} … "
          f"{last:%Y-%m-%d %H:00} UTC) into a Slack stand-in on loopback")
    with SlackStandIn() as standin:
        slack = Slack(token="xoxb-demo-stand-in", base_url=standin.base_url,
                      channel=DEMO_CHANNEL)
        # Only the hours that have health rows: logs months apart leave long gaps between them.
        with engine.connect() as connection:
            built = connection.execute(select(agent_health.c.hour).distinct()).scalars()
            hours = sorted(built)
        for hour in hours:
            alert_tick(engine, config, latest_tick(hour), slack=slack, as_of=hour + HOUR)
        messages = list(standin.messages)
    report_alerts(engine, config, messages, latest_tick(last), ground_truth, output_folder)
    engine.dispose()


def report_alerts(
    engine: Engine, config: MonitorConfig, messages: list[dict[str, Any]], now: datetime,
    ground_truth: Path | None = None, output_folder: Path | None = None,
) -> None:
    """Print what Slack received and which injected incident each alert belongs to, then post
    the digest as of `now` to a loopback Slack. With `output_folder`, what Slack received is
    also written there: `slack_messages.json` (every alert message) and `digest.json`."""
    _print_messages(messages)
    _compare(engine, ground_truth)
    # Generated logs: the digest as it went out right after the tick of the traffic's last
    # hour, so it tells the injected incidents (over the generated hours: the demo's config).
    last_traffic_hour = _traffic_last_hour(ground_truth)
    digest_now = latest_tick(last_traffic_hour) if last_traffic_hour is not None else now
    with SlackStandIn() as standin:
        slack = Slack(token="xoxb-demo-stand-in", base_url=standin.base_url, channel=DEMO_CHANNEL)
        outcome = post_digest(engine, config, digest_now, slack=slack)
        digest = standin.posted_with_key(outcome.key)
    print(f"\n   digest {outcome.key}: {'posted' if digest else outcome.reason}")
    if digest:
        print("   " + _plain(digest[0]["text"]))
    if output_folder is not None:
        _write_json(output_folder / "slack_messages.json", messages)
        _write_json(output_folder / "digest.json", digest[0] if digest else None)
        print(f"   written: {output_folder / 'slack_messages.json'}, {output_folder / 'digest.json'}")


def _config() -> MonitorConfig:
    try:
        return load_config()
    except ConfigError as error:
        print(f"   config not usable ({error}); alerting with the defaults")
        return MonitorConfig()


def _write_json(path: Path, value: Any) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(value, indent=2, default=str), encoding="utf-8")


def _plain(text: str) -> str:
    return text.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _print_messages(messages: list[dict[str, Any]]) -> None:
    kinds: dict[str, int] = {}
    for message in messages:
        kind = message["metadata"]["event_payload"]["key"].split(":")[-2]
        kinds[kind] = kinds.get(kind, 0) + 1
    summary = ", ".join(f"{n} {k}" for k, n in sorted(kinds.items())) or "none"
    print(f"   {len(messages)} Slack messages ({summary}); fired and resolved:")
    for message in messages:
        if message["metadata"]["event_payload"]["key"].split(":")[-2] != "repeat":
            print("     " + _plain(message["text"]))


def _compare(engine: Engine, ground_truth: Path | None) -> None:
    """Which injected incident produced which alerts (ground_truth.json of the generator)."""
    if ground_truth is None or not ground_truth.exists():
        return
    from agent_monitor.lib.generator.ground_truth import GroundTruth
    from agent_monitor.lib.replay.pages import Page, belongs

    truth = GroundTruth.from_json(ground_truth.read_text(encoding="utf-8"))
    with engine.connect() as connection:
        rows = [dict(r) for r in connection.execute(select(alerts)).mappings()]
    # The replay's rule (lib/replay/pages.py): within the rule's window after the incident,
    # M5 also on upstream agents; of several incidents, the one that started last.
    owner: dict[tuple[str, str, int], Any] = {}
    for row in rows:
        page = Page(row["alert_key"], row["rule"], row["scope_key"], row["episode"], "fire", row["first_seen"])
        owners = [i for i in truth.incidents if belongs(page, i, truth.edges)]
        if owners:
            owner[(row["rule"], row["scope_key"], row["episode"])] = max(owners, key=lambda i: i.start)
    matched = set(owner)
    print("\n   injected incidents (ground truth) and the alerts they produced:")
    for incident in truth.incidents:
        expected = set(incident.expected.get("rules", []))
        found = []
        for row in sorted(rows, key=lambda r: r["first_seen"]):
            if owner.get((row["rule"], row["scope_key"], row["episode"])) is not incident:
                continue
            metric = CATALOGUE[row["rule"]].metric
            mark = "expected" if metric in expected else "side effect"
            found.append(f"{row['rule']} on {row['scope_key']} at {row['first_seen']:%m-%d %H:%M} "
                         f"({mark}; {delivery_label(row)})")
        print(f"   - {incident.kind} on {', '.join(incident.agents)} "
              f"{incident.start:%m-%d %H:%M} → {incident.end:%m-%d %H:%M} "
              f"(expects {', '.join(sorted(expected)) or 'n/a'}):")
        print("       " + ("\n       ".join(found) if found else "no alert"))
    others = [r for r in rows if (r["rule"], r["scope_key"], r["episode"]) not in matched]
    print(f"   alerts not matched to an injected incident: {len(others)}")
    for row in others[:10]:
        print(f"     {row['rule']} on {row['scope_key']} at {row['first_seen']:%m-%d %H:%M}")


def _traffic_last_hour(ground_truth: Path | None) -> datetime | None:
    """The last hour of the generated traffic (ground_truth.json's end), naive UTC."""
    if ground_truth is None or not ground_truth.exists():
        return None
    from agent_monitor.lib.generator.ground_truth import GroundTruth

    end = GroundTruth.from_json(ground_truth.read_text(encoding="utf-8")).end
    return end.replace(tzinfo=None, minute=0, second=0, microsecond=0) - HOUR


def latest_tick(hour: datetime) -> datetime:
    """When the sensor tick for an hour runs in the replay."""
    return hour + HOUR + TICK_DELAY
