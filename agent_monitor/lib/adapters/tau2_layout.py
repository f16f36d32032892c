"""tau2 results layouts, the agent's identity, and the synthetic clock for untimed runs.

Layouts seen in published tau2 results:

- `object`: `{timestamp, info: {agent_info, environment_info}, tasks, simulations}`;
- `object-no-info`: the same without `info`, domain and model as top-level keys;
- `list`: a bare JSON list of simulations (domain and model per simulation, or from the
  `<model>_<domain>` file name).

A message time that is missing, unparseable or a placeholder (exactly midnight, such as
`2025-01-01T00:00`) is not a measurement. A simulation whose messages are not all measured
(or all share one instant) is placed on the synthetic clock: it starts at its own measured
`start_time` when it has one, else right after the previous synthetic run of the file
(the first at the file's measured `timestamp`, else SYNTHETIC_BASE), and its messages are
MESSAGE_SPACING apart.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from agent_monitor.lib.adapters.common import AdapterReject, parse_iso_utc

SYNTHETIC_BASE = datetime(2025, 1, 1, tzinfo=UTC)
MESSAGE_SPACING = timedelta(seconds=20)
RUN_GAP = timedelta(minutes=1)
DOMAIN_KEYS = ("domain", "domain_name", "environment", "env")
MODEL_KEYS = ("agent_llm", "agent_model", "model", "llm", "agent")


def measured(value: Any) -> datetime | None:
    """A timestamp that is a real measurement, or None (missing, bad, placeholder)."""
    try:
        moment = parse_iso_utc(value, "timestamp")
    except AdapterReject:
        return None
    if (moment.hour, moment.minute, moment.second, moment.microsecond) == (0, 0, 0, 0):
        return None
    return moment


def layout_of(document: Any) -> str:
    """Name of the layout, or raise AdapterReject when the document is none of them."""
    if isinstance(document, list):
        return "list"
    if isinstance(document, dict) and isinstance(document.get("simulations"), list):
        return "object" if isinstance(document.get("info"), dict) else "object-no-info"
    raise AdapterReject("missing_field:simulations", "not a tau2 results document")


def looks_like_simulations(items: list[Any]) -> bool:
    """True when a JSON list holds tau2 simulations (messages) rather than tau-bench `traj`."""
    first = next((item for item in items if isinstance(item, dict)), None)
    return first is not None and "messages" in first and "traj" not in first


def _named(container: Any, keys: tuple[str, ...]) -> str | None:
    if not isinstance(container, dict):
        return None
    for key in keys:
        value = container.get(key)
        if isinstance(value, dict):
            value = value.get("llm") or value.get("name") or value.get("domain_name")
        if isinstance(value, str) and value:
            return value
    return None


@dataclass(frozen=True)
class Identity:
    """Who ran a simulation: the model label is the agent, the domain an attribute."""

    model: str
    domain: str


def identity(document: Any, simulation: dict[str, Any], stem: str) -> Identity:
    """Model and domain from `info`, else top-level or per-simulation keys, else the file name."""
    info = document.get("info") if isinstance(document, dict) else None
    info = info if isinstance(info, dict) else {}
    label, _, scenario = stem.partition("_")
    model = (
        _named(info.get("agent_info"), ("llm", "model"))
        or _named(simulation, MODEL_KEYS)
        or _named(document, MODEL_KEYS)
        or label
        or "unknown"
    )
    domain = (
        _named(info.get("environment_info"), ("domain_name", "domain"))
        or _named(simulation, DOMAIN_KEYS)
        or _named(document, DOMAIN_KEYS)
        or scenario.split("_", 1)[0]
        or "unknown"
    )
    return Identity(model=model, domain=domain)


class SyntheticClock:
    """Places untimed simulations one after another, in file order."""

    def __init__(self, document: Any) -> None:
        stamp = document.get("timestamp") if isinstance(document, dict) else None
        self.cursor = measured(stamp) or SYNTHETIC_BASE

    def place(self, start: datetime | None, n_messages: int) -> tuple[datetime, datetime]:
        """(start, end) of a run of n messages; a measured start is kept."""
        begin = start or self.cursor
        end = begin + max(n_messages, 1) * MESSAGE_SPACING
        if start is None:
            self.cursor = end + RUN_GAP
        return begin, end
