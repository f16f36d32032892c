"""The one YAML configuration file: load it, validate every key, fill in the defaults.

Errors name the offending key as a dotted path (``review.base_rate``) and the problem,
so a typo never silently falls back to a default.
"""

from __future__ import annotations

import dataclasses
import os
import re
import types
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Union, get_args, get_origin, get_type_hints

import yaml

from agent_monitor.lib.warehouse.connection import data_folder

CONFIG_ENV_VAR = "AGENT_MONITOR_CONFIG"
DEFAULT_CONFIG_FILENAME = "agent_monitor.yaml"


class ConfigError(ValueError):
    """The configuration file is invalid; the message names the key and the problem."""


# Keys that no longer exist, with where their setting lives now.
MOVED_KEYS = {
    "review.critical_paths": (
        "moved to rules.m3_decision_disagreement.critical_paths (per agent: "
        "agents.<agent>.rules.m3_decision_disagreement.critical_paths), the one list of critical "
        "decision paths: it boosts review sampling and decides which M3 paths alert; move the "
        "list there"
    ),
}


@dataclass(frozen=True)
class IngestSettings:
    landing_folder: str = "data/landing"
    store_text: bool = False
    batch_size: int = 5000
    # Processes validating a large file's lines while the ingesting one writes (lib/ingest/
    # parallel.py): None = one fewer than the CPUs (at most 4) for files of 32 MiB or more; 0 = none.
    validation_workers: int | None = None


# The review sampler's default salt. Ingestion stores each response's draw u under this salt
# (raw_events.sampling_u), and the sampler reads it when the configured salt is this one:
# changing the value would make every stored draw wrong.
DEFAULT_SALT = "agent-monitor"


@dataclass(frozen=True)
class ReviewSettings:
    salt: str = DEFAULT_SALT
    base_rate: float = 0.05
    low_confidence_threshold: float = 0.5
    low_confidence_boost: float = 4.0
    critical_path_boost: float = 2.0
    shadow_disagreement_boost: float = 4.0
    flag_boost: float = 2.0
    daily_minimum: int = 20
    expiry_days: int = 7


# The first hour of the hourly partitions by default: the clock of the oldest logs the project
# ships (tau-bench, docs/adapters.md). Set `partitions.start` to when your own logs begin.
DEFAULT_PARTITIONS_START = "2024-06-01"
PARTITION_START_FORMATS = ("%Y-%m-%d", "%Y-%m-%d-%H:%M", "%Y-%m-%dT%H:%M")


@dataclass(frozen=True)
class PartitionSettings:
    """The hourly partitions: the first hour (UTC) that the Dagster UI lists and builds."""

    start: str = DEFAULT_PARTITIONS_START

    def __post_init__(self) -> None:
        self.start_hour()

    def start_hour(self) -> datetime:
        """The first partition's hour (naive UTC)."""
        for fmt in PARTITION_START_FORMATS:
            try:
                return datetime.strptime(self.start, fmt).replace(minute=0)
            except ValueError:
                continue
        raise ConfigError(f"partitions.start: expected a date such as \"2026-01-31\" or "
                          f"\"2026-01-31T06:00\" (UTC, quoted), got {self.start!r}")


def default_dashboard_path() -> Path:
    """Where the dashboard page is written by default: `<data folder>/dashboard/index.html`."""
    return data_folder() / "dashboard" / "index.html"


@dataclass(frozen=True)
class DashboardSettings:
    """The static health dashboard page: how many hours it shows and where it is written."""

    window_hours: int = 72
    output_path: str = ""  # '' means default_dashboard_path()
    # `agent-monitor dashboard serve` serves the folder on loopback at this port; links use
    # http://127.0.0.1:<port>/ when port is set, or base_url (e.g. behind a proxy) when given.
    port: int = 0
    base_url: str = ""

    def __post_init__(self) -> None:
        if self.window_hours < 1:
            raise ConfigError(f"dashboard.window_hours: must be at least 1, got {self.window_hours}")
        if not 0 <= self.port <= 65535:
            raise ConfigError(f"dashboard.port: must be between 1 and 65535 (0: not served), got {self.port}")
        if self.base_url and not self.base_url.startswith(("http://", "https://")):
            raise ConfigError(f"dashboard.base_url: must start with http:// or https://, got {self.base_url!r}")

    def page_url(self) -> str:
        """The URL of the index page: served over HTTP when configured, else a file:// URL."""
        if self.base_url:
            return self.base_url.rstrip("/") + "/index.html"
        if self.port:
            return f"http://127.0.0.1:{self.port}/index.html"
        return self.resolved_output_path().as_uri()

    def resolved_output_path(self) -> Path:
        return Path(self.output_path).resolve() if self.output_path else default_dashboard_path()


@dataclass(frozen=True)
class LinkSettings:
    dagster_ui_base_url: str = "http://localhost:3000"
    # Default: a file:// URL of the page the dashboard asset writes (see DashboardSettings).
    dashboard_url: str = field(default_factory=lambda: default_dashboard_path().as_uri())
    trace_url_template: str = ""
    runbook_url: str = ""


@dataclass(frozen=True)
class RuleSettings:
    """Overrides for one alert rule; None keeps the catalogue default (docs/alerting.md)."""

    threshold: float | None = None
    warning_threshold: float | None = None
    min_samples: int | None = None
    severity: str | None = None
    enabled: bool | None = None
    window_hours: int | None = None
    runbook_url: str | None = None
    # Options that only some rules accept (checked against the rule catalogue).
    critical_paths: tuple[str, ...] | None = None
    confidence_floor: float | None = None
    max_p_value: float | None = None


@dataclass(frozen=True)
class AgentSettings:
    """Per-agent overrides: rule settings, the P1 confidence floor and a runbook."""

    rules: dict[str, RuleSettings] = field(default_factory=dict)
    confidence_floor: float | None = None
    runbook_url: str = ""


SLACK_CHANNEL_ID = re.compile(r"^[CGD][A-Z0-9]{6,}$")


@dataclass(frozen=True)
class SlackSettings:
    """Where and how alerts are sent; the token comes only from SLACK_BOT_TOKEN."""

    channel: str = ""
    base_url: str = ""
    timeout_seconds: float = 10.0
    max_attempts_per_tick: int = 4
    max_retry_wait_seconds: float = 30.0
    repeat_interval_hours: float = 4.0
    # After a timeout, how long a post may still land in the channel: the history check that
    # decides whether to send again waits until then (docs/alerting.md).
    late_post_window_seconds: float = 30.0


@dataclass(frozen=True)
class DigestSettings:
    """The scheduled health digest."""

    enabled: bool = True
    cron_schedule: str = "0 9 * * *"
    timezone: str = "UTC"
    channel: str = ""
    period_hours: int = 24


@dataclass(frozen=True)
class MonitorConfig:
    ingest: IngestSettings = field(default_factory=IngestSettings)
    review: ReviewSettings = field(default_factory=ReviewSettings)
    links: LinkSettings = field(default_factory=LinkSettings)
    rules: dict[str, RuleSettings] = field(default_factory=dict)
    agents: dict[str, AgentSettings] = field(default_factory=dict)
    slack: SlackSettings = field(default_factory=SlackSettings)
    digest: DigestSettings = field(default_factory=DigestSettings)
    dashboard: DashboardSettings = field(default_factory=DashboardSettings)
    partitions: PartitionSettings = field(default_factory=PartitionSettings)
    source_path: str | None = None


def default_config_path() -> Path:
    """`AGENT_MONITOR_CONFIG` if set, else `agent_monitor.yaml` in the working directory."""
    return Path(os.environ.get(CONFIG_ENV_VAR) or DEFAULT_CONFIG_FILENAME)


def load_config(path: str | Path | None = None) -> MonitorConfig:
    """Load and validate the config; a missing default file means all defaults."""
    explicit = path is not None or bool(os.environ.get(CONFIG_ENV_VAR))
    config_path = Path(path) if path is not None else default_config_path()
    if not config_path.exists():
        if explicit:
            raise ConfigError(f"{config_path}: configuration file not found")
        return MonitorConfig()
    try:
        text = config_path.read_bytes().decode("utf-8")
    except UnicodeDecodeError as error:
        line = error.object.count(b"\n", 0, error.start) + 1
        raise ConfigError(
            f"{config_path}: not UTF-8 (byte 0x{error.object[error.start]:02x} on line "
            f"{line}, offset {error.start}); "
            "save the file as UTF-8"
        ) from None
    except OSError as error:
        raise ConfigError(f"{config_path}: cannot be read: {error.strerror}") from None
    try:
        raw = yaml.safe_load(text) or {}
    except yaml.YAMLError as error:
        raise ConfigError(f"{config_path}: not valid YAML: {_one_line_yaml_error(error)}") from None
    config = parse_config(raw, origin=str(config_path))
    return dataclasses.replace(config, source_path=str(config_path))


def _one_line_yaml_error(error: yaml.YAMLError) -> str:
    mark = getattr(error, "problem_mark", None)
    problem = getattr(error, "problem", None) or str(error).splitlines()[0]
    return f"{problem} at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else problem


def parse_config(raw: Any, origin: str = "<config>") -> MonitorConfig:
    """Validate a parsed YAML document against the settings dataclasses."""
    try:
        config: MonitorConfig = _build(MonitorConfig, raw, key_path="")
        check_ranges(config)
        _check_alerting(config)
        if "dashboard_url" not in ((raw.get("links") or {}) if isinstance(raw, dict) else {}):
            # Links follow a configured output path unless a URL is given explicitly.
            url = config.dashboard.page_url()
            config = dataclasses.replace(
                config, links=dataclasses.replace(config.links, dashboard_url=url)
            )
        return config
    except ConfigError as error:
        raise ConfigError(f"{origin}: {error}") from None


def check_ranges(config: MonitorConfig) -> None:
    """Every numeric setting within its range, the digest timezone a real IANA zone."""
    ingest, review = config.ingest, config.review
    if ingest.batch_size < 1:
        raise ConfigError(f"ingest.batch_size: must be at least 1, got {ingest.batch_size}")
    if ingest.validation_workers is not None and not 0 <= ingest.validation_workers <= 64:
        raise ConfigError(f"ingest.validation_workers: must be null or in [0, 64], got {ingest.validation_workers}")
    for key in ("base_rate", "low_confidence_threshold"):
        value = getattr(review, key)
        if not 0.0 <= value <= 1.0:
            raise ConfigError(f"review.{key}: expected a number in [0, 1], got {value:g}")
    for key in ("low_confidence_boost", "critical_path_boost", "shadow_disagreement_boost", "flag_boost"):
        value = getattr(review, key)
        if not value >= 1.0 or value == float("inf"):
            raise ConfigError(f"review.{key}: expected a finite factor of at least 1, got {value:g}")
    if review.daily_minimum < 0:
        raise ConfigError(f"review.daily_minimum: must be at least 0, got {review.daily_minimum}")
    if review.expiry_days < 1:
        raise ConfigError(f"review.expiry_days: must be at least 1, got {review.expiry_days}")
    if config.slack.late_post_window_seconds < 0:
        raise ConfigError("slack.late_post_window_seconds: must be at least 0")
    _check_timezone(config.digest.timezone)


def _check_timezone(name: str) -> None:
    from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise ConfigError(
            f"digest.timezone: {name!r} is not an IANA time zone (e.g. UTC, Europe/Paris)"
        ) from None


def _check_alerting(config: MonitorConfig) -> None:
    """Cross-field checks of the rules/agents/slack/digest sections."""
    # Imported here: the rule catalogue imports this module for its settings types.
    from agent_monitor.lib.alerting.validation import check_alerting_config

    check_alerting_config(config)


def _build(cls: type, raw: Any, key_path: str) -> Any:
    where = key_path or "top level"
    if not isinstance(raw, dict):
        raise ConfigError(f"{where}: expected a mapping, got {type(raw).__name__}")
    hints = get_type_hints(cls)
    known = {f.name for f in dataclasses.fields(cls) if f.name != "source_path"}
    values: dict[str, Any] = {}
    for key, value in raw.items():
        dotted = f"{key_path}.{key}" if key_path else str(key)
        if key not in known and dotted in MOVED_KEYS:
            raise ConfigError(f"{dotted}: {MOVED_KEYS[dotted]}")
        if key not in known:
            raise ConfigError(f"{dotted}: unknown key (known keys: {', '.join(sorted(known))})")
        values[key] = _coerce(hints[key], value, dotted)
    return cls(**values)


def _coerce(hint: Any, value: Any, dotted: str) -> Any:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType) and type(None) in get_args(hint):
        if value is None:
            return None
        inner = [arg for arg in get_args(hint) if arg is not type(None)]
        hint, origin = inner[0], get_origin(inner[0])
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        # An empty YAML section (`slack:` with every child commented out) means defaults.
        return hint() if value is None else _build(hint, value, dotted)
    if origin is dict:
        if value is None:
            return {}
        if not isinstance(value, dict):
            raise ConfigError(f"{dotted}: expected a mapping, got {type(value).__name__}")
        value_hint = get_args(hint)[1] if get_args(hint) else Any
        if not dataclasses.is_dataclass(value_hint):
            return value
        return {
            str(key): _coerce(value_hint, item, f"{dotted}.{key}") for key, item in value.items()
        }
    if origin is tuple:
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise ConfigError(f"{dotted}: expected a list of strings")
        return tuple(value)
    if hint is bool:
        if not isinstance(value, bool):
            raise ConfigError(f"{dotted}: expected true or false, got {value!r}")
        return value
    if hint is int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise ConfigError(f"{dotted}: expected an integer, got {value!r}")
        return value
    if hint is float:
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise ConfigError(f"{dotted}: expected a number, got {value!r}")
        return float(value)
    if hint is str or str in get_args(hint):
        if not isinstance(value, str):
            raise ConfigError(f"{dotted}: expected a string, got {value!r}")
        return value
    return value
