"""Slack Block Kit messages for alerts (firing, repeated, resolved); every user string escaped."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from urllib.parse import quote

from agent_monitor.lib.alerting.rules import EffectiveRule, format_value
from agent_monitor.lib.config import LinkSettings
from agent_monitor.lib.dashboard.paths import trace_page_url

STATUS_EMOJI = {
    "critical": ":red_circle:",
    "warning": ":large_orange_circle:",
    "ok": ":large_green_circle:",
    "no_data": ":white_circle:",
    "resolved": ":white_check_mark:",
}
SPARK_CHARS = "▁▂▃▄▅▆▇█"
MAX_TRACE_LINKS = 3
MAX_TEXT = 3000  # Slack's limit for a section's text


def clip(text: str, limit: int = MAX_TEXT) -> str:
    """Cut text to Slack's limit (escaping already done, so no raw < can appear)."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


def escape(text: object) -> str:
    """Escape &, < and > for Slack mrkdwn, so `<!channel>` is shown, not sent as a ping."""
    return str(text).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def link(url: str, label: str) -> str:
    """A mrkdwn link; the label is escaped and the URL may not close the link early."""
    safe_url = url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E")
    safe_url = safe_url.replace("|", "%7C")
    return f"<{safe_url}|{escape(label)}>"


def sparkline(values: Sequence[float | None]) -> str:
    """One character per value, scaled between the series' min and max; · for a gap."""
    known = [v for v in values if v is not None and not math.isnan(v)]
    if not known:
        return ""
    low, high = min(known), max(known)
    chars = []
    for value in values:
        if value is None or math.isnan(value):
            chars.append("·")
        elif high == low:
            chars.append(SPARK_CHARS[len(SPARK_CHARS) // 2])
        else:
            index = round((value - low) / (high - low) * (len(SPARK_CHARS) - 1))
            chars.append(SPARK_CHARS[index])
    return "".join(chars)


def dagster_partition_url(base_url: str, asset_key: str, partition_key: str | None) -> str:
    """The Dagster UI page of an asset partition: `/assets/<key path>?view=partitions&...`."""
    path = "/".join(quote(part, safe="") for part in asset_key.split("/"))
    url = f"{base_url.rstrip('/')}/assets/{path}"
    if partition_key:
        url += f"?view=partitions&partition={quote(partition_key, safe='')}"
    return url


def trace_url(template: str, trace_id: str) -> str:
    """The trace link from a template such as `https://traces.example.com/trace/{trace_id}`."""
    return template.replace("{trace_id}", quote(trace_id, safe=""))


@dataclass(frozen=True)
class SlackMessage:
    """What chat.postMessage needs: the notification fallback text and the blocks."""

    text: str
    blocks: list[dict[str, Any]]


@dataclass(frozen=True)
class AlertContext:
    """Everything an alert message shows; `kind` is fire, repeat or resolve."""

    kind: str
    rule: EffectiveRule
    scope_label: str
    severity: str
    value: float | None
    threshold: float
    reason: str
    trend: Sequence[float | None] = ()
    trend_hours: int = 1
    trend_unit: str | None = None  # default: the rule's unit (P1 plots confidence, a ratio)
    projected_hours_to_breach: float | None = None
    partition_key: str | None = None
    trace_ids: Sequence[str] = ()
    first_seen: datetime | None = None
    dashboard_url: str | None = None
    extra_links: Sequence[tuple[str, str]] = field(default_factory=tuple)


def _mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": clip(text)}}


def value_against_threshold(rule: EffectiveRule, value: float | None, threshold: float) -> str:
    """`0.143, above the threshold 0.100`, or `0.061, back within the threshold 0.080`."""
    shown, limit = format_value(rule.unit, value), format_value(rule.unit, threshold)
    if value is None:
        return f"{shown} (threshold {limit})"
    beyond = value > threshold if rule.direction == "above" else value < threshold
    if beyond:
        return f"{shown}, {rule.direction} the threshold {limit}"
    return f"{shown}, back within the threshold {limit}"


def alert_message(ctx: AlertContext, links: LinkSettings) -> SlackMessage:
    """The Block Kit message of a firing, repeated or resolved alert."""
    rule = ctx.rule
    resolved = ctx.kind == "resolve"
    emoji = STATUS_EMOJI["resolved" if resolved else ctx.severity]
    label = "RESOLVED" if resolved else ctx.severity.upper()
    repeat = " (still firing)" if ctx.kind == "repeat" else ""
    title = rule.title or rule.name
    # The header is plain text built from the catalogue only: nothing user-controlled.
    header = f"{emoji} {label}{repeat} · {title}"
    blocks: list[dict[str, Any]] = [
        {"type": "header", "text": {"type": "plain_text", "emoji": True, "text": header}},
        {"type": "section", "fields": [
            {"type": "mrkdwn", "text": clip(f"*Agent*\n{escape(ctx.scope_label)}", 2000)},
            {"type": "mrkdwn", "text": f"*Rule*\n`{escape(rule.name)}` ({escape(rule.metric)})"},
            {"type": "mrkdwn",
             "text": f"*Value*\n{value_against_threshold(rule, ctx.value, ctx.threshold)}"},
            {"type": "mrkdwn", "text": "*Since*\n" + (
                ctx.first_seen.strftime("%Y-%m-%d %H:%M UTC") if ctx.first_seen else "n/a")},
        ]},
        _mrkdwn(escape(ctx.reason)),
    ]
    trend = sparkline(ctx.trend)
    if trend:
        last = [v for v in ctx.trend if v is not None]
        unit = ctx.trend_unit or rule.unit
        blocks.append({"type": "context", "elements": [{"type": "mrkdwn", "text": (
            f"Trend, last {len(ctx.trend) * ctx.trend_hours} h: `{trend}` "
            f"{format_value(unit, last[0])} → {format_value(unit, last[-1])}")}]})
    if rule.predictive and not resolved and ctx.projected_hours_to_breach is not None:
        target = (f"the confidence floor {rule.confidence_floor:.2f}"
                  if rule.confidence_floor is not None else "its limit")
        if ctx.projected_hours_to_breach < 0.05:
            # "in about 0.0 h" would hide that the line is already crossed.
            latest = [v for v in ctx.trend if v is not None]
            now = f" (hourly mean {format_value(ctx.trend_unit or rule.unit, latest[-1])})" if latest else ""
            blocks.append(_mrkdwn(f":warning: Already below {target}{now}: no time left to act "
                                  "before it is crossed."))
        else:
            blocks.append(_mrkdwn(f":hourglass: Projected to cross {target} in about "
                                  f"{ctx.projected_hours_to_breach:.1f} h at the current rate."))
    blocks.append(_mrkdwn(" · ".join(_links(ctx, links))))
    dashboard = ctx.dashboard_url or links.dashboard_url
    if ctx.trace_ids and (links.trace_url_template or dashboard):
        # Without a tracing tool's URL template, the dashboard's own trace pages.
        traces = [link(trace_url(links.trace_url_template, t) if links.trace_url_template
                       else trace_page_url(dashboard, t), t)
                  for t in list(ctx.trace_ids)[:MAX_TRACE_LINKS]]
        blocks.append({"type": "context", "elements": [
            {"type": "mrkdwn", "text": "Example traces: " + ", ".join(traces)}]})
    text = (f"[{label}] {escape(rule.name)} on {escape(ctx.scope_label)}: "
            f"{value_against_threshold(rule, ctx.value, ctx.threshold)}")
    return SlackMessage(text=text, blocks=blocks)


def _links(ctx: AlertContext, links: LinkSettings) -> list[str]:
    rule = ctx.rule
    found = [link(dagster_partition_url(links.dagster_ui_base_url, rule.asset_key,
                                        ctx.partition_key), "Dagster partition")]
    dashboard = ctx.dashboard_url or links.dashboard_url
    if dashboard:
        found.append(link(dashboard, "Dashboard"))
    runbook = rule.runbook_url or links.runbook_url
    if runbook:
        found.append(link(runbook, "Runbook"))
    found.extend(link(url, label) for label, url in ctx.extra_links)
    return found
