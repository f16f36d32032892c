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
    if firing:
        lines = [
            f"{STATUS_EMOJI.get(a.severity, '')} `{escape(a.rule)}` on {escape(a.scope_label)}"
            f" since {a.since:%Y-%m-%d %H:%M} UTC"
            + (f" ({format_value(CATALOGUE[a.rule].unit, a.value)})"
               if a.rule in CATALOGUE and a.value is not None else "")
            for a in firing[:20]
        ]
        more = f"\n…and {len(firing) - 20} more" if len(firing) > 20 else ""
        text = f"*Firing alerts ({len(firing)})*\n" + "\n".join(lines) + more
    else:
        text = "*Firing alerts*\nNone."
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": clip(text)}})
    blocks.append({"type": "section", "text": {"type": "mrkdwn", "text": (
        f"*Review backlog*: {review_backlog} pending review items · "
        + link(dashboard_url, "Dashboard"))}})
    fallback = (f"Agent health digest {period}: {summary or 'no agents'}; "
                f"{len(firing)} firing alerts; {review_backlog} pending reviews")
    return SlackMessage(text=fallback, blocks=blocks)
