"""The scheduled digest: per-agent health across the seven metrics, firing alerts, backlog."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from agent_monitor.lib.alerting.blocks import STATUS_EMOJI, SlackMessage, clip, escape, link
from agent_monitor.lib.alerting.catalogue import CATALOGUE, DIGEST_RULES
from agent_monitor.lib.alerting.rules import format_value

STATUS_ORDER = ("critical", "warning", "no_data", "ok")
MAX_AGENT_BLOCKS = 40  # Slack allows 50 blocks per message; the rest are on the dashboard


@dataclass(frozen=True)
class AgentHealth:
    """One agent over the period: per-rule status and value, and last period's values."""

    agent_id: str
    statuses: Mapping[str, str]
    values: Mapping[str, float | None] = field(default_factory=dict)
    previous_values: Mapping[str, float | None] = field(default_factory=dict)

    @property
    def overall(self) -> str:
        """The worst status across the rules (critical > warning > no_data > ok)."""
        present = set(self.statuses.values())
        return next((s for s in STATUS_ORDER if s in present), "no_data")


@dataclass(frozen=True)
class FiringAlert:
    """A firing alert as the digest lists it."""

    rule: str
    scope_label: str
    severity: str
    since: datetime
    value: float | None = None


def _hours(later: datetime, earlier: datetime) -> float:
    """Hours between two moments, naive (UTC) or aware alike."""
    return (later.replace(tzinfo=None) - earlier.replace(tzinfo=None)).total_seconds() / 3600


@dataclass(frozen=True)
class Incident:
    """An alert episode that fired or resolved in the period."""

    rule: str
    scope_label: str
    severity: str
    fired: datetime
    resolved: datetime | None
    inhibited_by: str | None = None

    def line(self, period_end: datetime) -> str:
        """`:emoji: `rule` on agent: fired 11-27 15:05, resolved 11-28 04:05 after 13.0 h`."""
        head = f"{STATUS_EMOJI.get(self.severity, '')} `{escape(self.rule)}` on {escape(self.scope_label)}"
        fired = f"fired {self.fired:%m-%d %H:%M}"
        if self.resolved is None:
            hours = _hours(period_end, self.fired)
            told = f"{fired}, still firing ({hours:.1f} h so far)"
        else:
            hours = _hours(self.resolved, self.fired)
            told = f"{fired}, resolved {self.resolved:%m-%d %H:%M} after {hours:.1f} h"
        if self.inhibited_by:
            told += f" (inhibited by {escape(self.inhibited_by)}: recorded, not paged)"
        return f"{head}: {told}"


def incidents_text(incidents: Sequence[Incident], period_end: datetime, limit: int = 15) -> str:
    """The period's story: what fired and what resolved, oldest first."""
    if not incidents:
        return "*Incidents in the period*\nNone fired or resolved."
    ordered = sorted(incidents, key=lambda i: i.fired)
    resolved = sum(1 for i in ordered if i.resolved is not None)
    lines = [i.line(period_end) for i in ordered[:limit]]
    more = f"\n…and {len(ordered) - limit} more on the dashboard" if len(ordered) > limit else ""
    return (f"*Incidents in the period ({len(ordered)}: {resolved} resolved, "
            f"{len(ordered) - resolved} still firing)*\n" + "\n".join(lines) + more)


def change(unit: str, current: float | None, previous: float | None) -> str:
    """`+0.012` / `-0.004` against the previous period; `new` or empty when unknown."""
    if current is None:
        return ""
    if previous is None:
        return "new"
    delta = current - previous
    if unit == "s":
        return f"{delta:+.0f} s"
    return f"{delta:+.3f}"


def agent_line(health: AgentHealth) -> str:
    """`:emoji: *agent*` and one `:emoji: M1 0.041 (+0.012)` item per metric."""
    items = []
    for rule_name in DIGEST_RULES:
        rule = CATALOGUE[rule_name]
        status = health.statuses.get(rule_name, "no_data")
        value = health.values.get(rule_name)
        delta = change(rule.unit, value, health.previous_values.get(rule_name))
        shown = format_value(rule.unit, value)
        items.append(f"{STATUS_EMOJI[status]} {rule.metric} {shown}"
                     + (f" ({delta})" if delta else ""))
    return f"{STATUS_EMOJI[health.overall]} *{escape(health.agent_id)}*\n" + "  ".join(items)


def digest_message(
    period_start: datetime,
    period_end: datetime,
    agents: Sequence[AgentHealth],
    firing: Sequence[FiringAlert],
    review_backlog: int,
    dashboard_url: str,
    incidents: Sequence[Incident] = (),
) -> SlackMessage:
    """The digest: agents worst first, firing alerts, review backlog and the dashboard link."""
    period = f"{period_start:%Y-%m-%d %H:%M} to {period_end:%Y-%m-%d %H:%M} UTC"
    ordered = sorted(agents, key=lambda a: (STATUS_ORDER.index(a.overall), a.agent_id))
    counts = {s: sum(1 for a in agents if a.overall == s) for s in STATUS_ORDER}
    summary = ", ".join(f"{counts[s]} {s.replace('_', ' ')}" for s in STATUS_ORDER if counts[s])
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "emoji": True,
                                    "text": ":bar_chart: Agent health digest"}},
        {"type": "context", "elements": [{"type": "mrkdwn", "text": (
            f"{period} · {len(agents)} agents ({summary or 'none'}) · change against the "
            "previous period in brackets")}]},
    ]
    for health in ordered[:MAX_AGENT_BLOCKS]:
        line = clip(agent_line(health))
        blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": line}})
    if len(ordered) > MAX_AGENT_BLOCKS:
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": (
            f"…and {len(ordered) - MAX_AGENT_BLOCKS} more agents on the dashboard")}]})
    blocks.append({"type": "divider"})
    blocks.append({"type": "section", "text": {"type": "mrkdwn",
                                               "text": clip(incidents_text(incidents, period_end))}})
    if firing:
        lines = [
            f"{STATUS_EMOJI.get(a.severity, '')} `{escape(a.rule)}` on {escape(a.scope_label)}"
            f" since {a.since:%Y-%m-%d %H:%M} UTC, for {_hours(period_end, a.since):.1f} h"
            + (f" ({format_value(CATALOGUE[a.rule].unit, a.value)})"
               if a.rule in CATALOGUE and a.value is not None else "")
            for a in firing[:20]
        ]
        more = f"\n…and {len(firing) - 20} more" if len(firing) > 20 else ""
        text = f"*Firing now ({len(firing)})*\n" + "\n".join(lines) + more
    else:
        text = "*Firing now*\nNo alert is firing."
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": clip(text)}})
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": (
        f"*Review backlog*: {review_backlog} pending review items · "
        + link(dashboard_url, "Dashboard"))}})
    resolved = sum(1 for i in incidents if i.resolved is not None)
    fallback = (f"Agent health digest {period}: {summary or 'no agents'}; "
                f"{len(incidents)} incidents ({resolved} resolved); "
                f"{len(firing)} firing now; {review_backlog} pending reviews")
    return SlackMessage(text=fallback, blocks=blocks)
