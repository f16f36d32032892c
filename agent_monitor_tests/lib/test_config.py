"""Config validation of the alerting sections: errors name the offending key."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from agent_monitor.lib.config import (
    ConfigError,
    DigestSettings,
    RuleSettings,
    SlackSettings,
    load_config,
    parse_config,
)

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"rules": {"m4_hallucination_rate": {"treshold": 0.1}}},
         "rules.m4_hallucination_rate.treshold: unknown key"),
        ({"agents": {"billing": {"rules": {"m1_confidence_divergence": {"threshold": "high"}}}}},
         "agents.billing.rules.m1_confidence_divergence.threshold: expected a number"),
        ({"rules": {"m9_vibes": {"threshold": 1}}}, "rules.m9_vibes: unknown rule"),
        ({"rules": {"m4_hallucination_rate": {"severity": "page"}}},
         "rules.m4_hallucination_rate.severity: expected warning or critical"),
        ({"rules": {"m4_hallucination_rate": {"threshold": 1.5}}},
         "rules.m4_hallucination_rate.threshold: 1.5 is outside [0, 1]"),
        ({"rules": {"m4_hallucination_rate": {"min_samples": -1}}},
         "rules.m4_hallucination_rate.min_samples: must be at least 0"),
        ({"rules": {"m4_hallucination_rate": {"min_samples": 2.5}}},
         "rules.m4_hallucination_rate.min_samples: expected an integer"),
        ({"rules": {"m4_hallucination_rate": {"critical_paths": ["approval"]}}},
         "rules.m4_hallucination_rate.critical_paths: unknown key for this rule"),
        # warning must sit on the safe side: M1 alerts above 0.10, so warning < 0.10
        ({"rules": {"m1_confidence_divergence": {"warning_threshold": 0.2}}},
         "rules.m1_confidence_divergence.warning_threshold: 0.2 must be below the threshold 0.1"),
        # M4 is a warning rule: a warning threshold below it means nothing
        ({"rules": {"m4_hallucination_rate": {"warning_threshold": 0.01}}},
         "rules.m4_hallucination_rate.warning_threshold: only meaningful when"),
        ({"agents": {"billing": {"confidence_floor": 1.2}}},
         "agents.billing.confidence_floor: expected a number in [0, 1]"),
        ({"agents": {"billing": {"colour": "red"}}}, "agents.billing.colour: unknown key"),
        ({"slack": {"channel": "#alerts"}}, "slack.channel: expected a channel ID"),
        ({"slack": {"token": "xoxb-1"}}, "slack.token: unknown key"),
        ({"slack": {"max_attempts_per_tick": 0}}, "slack.max_attempts_per_tick: must be at least 1"),
        ({"digest": {"cron_schedule": "daily"}}, "digest.cron_schedule: expected 5 cron fields"),
        ({"rules": ["m1"]}, "rules: expected a mapping"),
        ({"partitions": {"start": "last spring"}}, "partitions.start: expected a date"),
        ({"partitions": {"start": "2026-13-01"}}, "partitions.start: expected a date"),
        ({"dashboard": {"port": 70000}}, "dashboard.port: must be between 1 and 65535"),
        ({"dashboard": {"base_url": "localhost:8765"}}, "dashboard.base_url: must start with http"),
        # One setting for critical paths: the old review key says where it went.
        ({"review": {"critical_paths": ["approval"]}},
         "review.critical_paths: moved to rules.m3_decision_disagreement.critical_paths"),
    ],
)
def test_errors_name_the_key(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as error:
        parse_config(raw)
    assert message in str(error.value)


def test_sections_become_typed_settings() -> None:
    config = parse_config({
        "rules": {"m3_decision_disagreement": {"critical_paths": ["approval", "refund"],
                                               "min_samples": 40}},
        "agents": {"billing": {"rules": {"m5_workflow_completion": {"enabled": False}}}},
        "slack": {"channel": "C0123456789", "timeout_seconds": 5},
        "digest": {"cron_schedule": "0 8 * * 1-5", "channel": "C0DIGEST01"},
    })
    assert config.rules["m3_decision_disagreement"] == RuleSettings(
        critical_paths=("approval", "refund"), min_samples=40)
    assert config.agents["billing"].rules["m5_workflow_completion"].enabled is False
    assert config.slack == SlackSettings(channel="C0123456789", timeout_seconds=5.0)
    assert config.digest == DigestSettings(cron_schedule="0 8 * * 1-5", channel="C0DIGEST01")


def test_empty_sections_mean_defaults() -> None:
    config = parse_config({"rules": None, "agents": None, "slack": None, "digest": None})
    assert (config.rules, config.agents) == ({}, {})
    assert config.slack == SlackSettings() and config.digest == DigestSettings()


def test_example_config_in_project_root_loads() -> None:
    config = load_config(PROJECT_ROOT / "agent_monitor.yaml")
    assert config.slack.repeat_interval_hours == 4.0
    assert config.digest.cron_schedule == "0 9 * * *"


@pytest.mark.parametrize(
    ("start", "hour"),
    [("2026-01-31", datetime(2026, 1, 31)), ("2026-01-31T06:00", datetime(2026, 1, 31, 6)),
     ("2026-01-31-06:00", datetime(2026, 1, 31, 6)), ("2026-01-31T06:45", datetime(2026, 1, 31, 6))],
)
def test_partitions_start_is_an_hour(start: str, hour: datetime) -> None:
    assert parse_config({"partitions": {"start": start}}).partitions.start_hour() == hour


def test_dashboard_links_are_http_when_served(tmp_path: Path) -> None:
    page = tmp_path / "dash" / "index.html"
    assert parse_config({"dashboard": {"output_path": str(page)}}).links.dashboard_url == page.as_uri()
    assert parse_config({"dashboard": {"port": 8800}}).links.dashboard_url == "http://127.0.0.1:8800/index.html"
    served = {"dashboard": {"port": 8800, "base_url": "https://mon.example.com/health/"}}
    assert parse_config(served).links.dashboard_url == "https://mon.example.com/health/index.html"


def test_example_config_names_every_key() -> None:
    import dataclasses

    from agent_monitor.lib.config import MonitorConfig

    text = (PROJECT_ROOT / "agent_monitor.yaml").read_text()
    missing = []
    for section in dataclasses.fields(MonitorConfig):
        if section.name in ("rules", "agents", "source_path"):
            continue
        if f"\n{section.name}:" not in text:
            missing.append(section.name)
            continue
        default = getattr(MonitorConfig(), section.name)
        missing += [f"{section.name}.{f.name}" for f in dataclasses.fields(default)
                    if f"{f.name}:" not in text]
    assert missing == []
