"""Every setting's range is checked at load; a bad file fails with one line naming the key."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from agent_monitor.lib.config import ConfigError, load_config, parse_config
from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor_tests.conftest import PROJECT_ROOT


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"ingest": {"batch_size": 0}}, "ingest.batch_size: must be at least 1, got 0"),
        ({"ingest": {"batch_size": -5}}, "ingest.batch_size: must be at least 1, got -5"),
        ({"ingest": {"batch_size": "many"}}, "ingest.batch_size: expected an integer"),
        ({"ingest": {"validation_workers": -1}}, "ingest.validation_workers: must be null or in [0, 64], got -1"),
        ({"ingest": {"validation_workers": 100}}, "ingest.validation_workers: must be null or in [0, 64], got 100"),
        ({"review": {"base_rate": -1}}, "review.base_rate: expected a number in [0, 1], got -1"),
        ({"review": {"base_rate": 1.5}}, "review.base_rate: expected a number in [0, 1], got 1.5"),
        ({"review": {"low_confidence_threshold": 2}}, "review.low_confidence_threshold: expected a number in [0, 1]"),
        ({"review": {"flag_boost": 0}}, "review.flag_boost: expected a finite factor of at least 1, got 0"),
        ({"review": {"daily_minimum": -1}}, "review.daily_minimum: must be at least 0, got -1"),
        ({"review": {"expiry_days": -7}}, "review.expiry_days: must be at least 1, got -7"),
        ({"review": {"expiry_days": 0}}, "review.expiry_days: must be at least 1, got 0"),
        ({"digest": {"timezone": "Mars/Olympus"}}, "digest.timezone: 'Mars/Olympus' is not an IANA time zone"),
        ({"digest": {"timezone": "../etc/passwd"}}, "digest.timezone: '../etc/passwd' is not an IANA time zone"),
        ({"slack": {"late_post_window_seconds": -1}}, "slack.late_post_window_seconds: must be at least 0"),
        ({"ingest": {"batchsize": 10}}, "ingest.batchsize: unknown key (known keys: batch_size, landing_folder, store_text, validation_workers)"),
    ],
)
def test_out_of_range_settings_name_the_key(raw: dict[str, Any], message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        parse_config(raw, origin="c.yaml")
    assert str(caught.value).startswith(f"c.yaml: {message}")
    assert "\n" not in str(caught.value)


def test_real_time_zones_and_edge_values_are_accepted() -> None:
    config = parse_config({
        "ingest": {"batch_size": 1},
        "review": {"base_rate": 0, "expiry_days": 1, "daily_minimum": 0},
        "digest": {"timezone": "Europe/Paris"},
    })
    assert (config.ingest.batch_size, config.review.base_rate, config.digest.timezone) == (1, 0.0, "Europe/Paris")


def test_a_config_file_that_is_not_utf8_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_bytes(b"review:\n  salt: caf\xe9\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value) == f"{path}: not UTF-8 (byte 0xe9 on line 2, offset 19); save the file as UTF-8"


def test_bad_yaml_is_one_line(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("review:\n  base_rate: [1,\n")
    with pytest.raises(ConfigError) as caught:
        load_config(path)
    assert str(caught.value).startswith(f"{path}: not valid YAML: ")
    assert "\n" not in str(caught.value)


def test_ingestion_refuses_a_batch_size_below_one(tmp_path: Path) -> None:
    path = tmp_path / "e.jsonl"
    path.write_text("{}\n")
    engine = open_warehouse(f"sqlite:///{tmp_path / 'w.db'}")
    with pytest.raises(ValueError, match="batch_size must be at least 1, got 0"):
        ingest_path(engine, path, batch_size=0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("digest:\n  timezone: Mars/Olympus\n", "digest.timezone: 'Mars/Olympus' is not an IANA time zone"),
        ("slack:\n  chanel: C0123456789\n", "slack.chanel: unknown key"),
    ],
)
def test_dagster_definitions_validate_fails_with_the_same_message(tmp_path: Path, text: str, message: str) -> None:
    config = tmp_path / "agent_monitor.yaml"
    config.write_text(text)
    completed = subprocess.run(
        [str(Path(sys.executable).parent / "dagster"), "definitions", "validate", "-m", "agent_monitor.definitions"],
        cwd=PROJECT_ROOT, capture_output=True, text=True, timeout=300,
        env={**os.environ, "AGENT_MONITOR_CONFIG": str(config)},
    )
    output = completed.stdout + completed.stderr
    assert completed.returncode != 0, output
    assert f"ConfigError: {config}: {message}" in output
