"""The per-agent page: each rule's hourly value (as agent_health judged it) against its
threshold over the whole range, and the agent's alert episodes."""

from __future__ import annotations

import html
from collections import defaultdict
from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import Connection, select

from agent_monitor.lib.dashboard.charts import ChartSpec, line_chart
from agent_monitor.lib.dashboard.data import METRIC_RULES, SIGNAL_RULES
from agent_monitor.lib.dashboard.history import Episode, History
from agent_monitor.lib.warehouse.tables_health import agent_health

# A rule with several scopes (M3 per path) plots its worst scope: the highest value, or the
# lowest for rules that alert below their threshold.
BELOW_RULES = ("m2_context_coherence", "m5_workflow_completion", "p1_confidence_drift")
LINE_COLOUR = "#1a73e8"


def rule_series(connection: Connection, agent_id: str, hours: Sequence[datetime]
                ) -> dict[str, tuple[list[float | None], float | None]]:
    """rule → (value per hour, the newest threshold) for the agent."""
    if not hours:
        return {}
    index = {hour: i for i, hour in enumerate(hours)}
    rules = (*METRIC_RULES, *SIGNAL_RULES)
    query = select(agent_health.c.hour, agent_health.c.rule, agent_health.c.value,
                   agent_health.c.threshold).where(
        agent_health.c.agent_id == agent_id, agent_health.c.rule.in_(rules),
        agent_health.c.hour >= hours[0], agent_health.c.hour <= hours[-1],
    ).order_by(agent_health.c.hour)
    values: dict[str, list[float | None]] = defaultdict(lambda: [None] * len(hours))
    thresholds: dict[str, float | None] = {}
    for hour, rule, value, threshold in connection.execute(query):
        if hour not in index or value is None:
            continue
        series = values[rule]
        current = series[index[hour]]
        pick = min if rule in BELOW_RULES else max
        series[index[hour]] = float(value) if current is None else pick(current, float(value))
        if threshold is not None:
            thresholds[rule] = float(threshold)
    return {rule: (values[rule], thresholds.get(rule)) for rule in rules if rule in values}


def render_agent_page(agent_id: str, history: History, series: dict[str, tuple[list[float | None], float | None]],
                      titles: dict[str, str], css: str, index_link: str) -> str:
    e = html.escape
    charts = []
    for rule in (*METRIC_RULES, *SIGNAL_RULES):
        values, threshold = series.get(rule, ([None] * len(history.hours), None))
        spec = ChartSpec(rule, titles.get(rule, rule), threshold,
                         "" if threshold is None else f"threshold {threshold:g}", decimals=3)
        charts.append(line_chart(spec, history.hours, {agent_id: values}, {agent_id: LINE_COLOUR}))
    episodes = [ep for ep in history.episodes if ep.agent_id == agent_id]
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>{e(agent_id)}</title><style>{css}</style></head><body>"
        f'<p><a href="{e(index_link)}">← dashboard</a></p><h1>{e(agent_id)}</h1>'
        f'<div class="meta">Each rule\'s value per hour as agent_health judged it, against its '
        f"threshold (dashed), {history.hours[0]:%Y-%m-%d %H:00} – {history.hours[-1]:%Y-%m-%d %H:00} UTC."
        f"</div>{episode_table(episodes, 'Alert episodes')}"
        f'<div class="charts">{"".join(charts)}</div></body></html>\n'
    ) if history.hours else f"<!DOCTYPE html>\n<html><body><h1>{e(agent_id)}</h1>No data.</body></html>\n"


def what_happened(ep: Episode) -> str:
    """`fired, repeated 3×, inhibited by retrieval-agent, resolved`."""
    words = []
    for mark in ep.marks():
        if mark == "repeated":
            words.append(f"repeated {ep.repeats}×")
        elif mark == "inhibited":
            words.append(f"inhibited by {ep.inhibited_by}")
        elif mark == "silenced":
            words.append(f"silenced ({ep.silenced_by})")
        else:
            words.append(mark)
    return ", ".join(words)


def episode_table(episodes: Sequence[Episode], title: str, now: datetime | None = None) -> str:
    """A table of episodes: since when, how it went, what resolved it."""
    e = html.escape
    if not episodes:
        return f'<h2>{e(title)}</h2><p class="meta">None.</p>'
    rows = []
    for ep in episodes:
        end = ep.resolved_at or now or ep.last_seen
        hours = (end - ep.first_seen).total_seconds() / 3600
        rows.append(
            f'<tr data-rule="{e(ep.rule)}" data-agent="{e(ep.agent_id)}" data-state="{e(ep.state)}" '
            f'data-marks="{" ".join(ep.marks())}"><td>{e(ep.label)}</td><td>{e(ep.severity)}</td>'
            f"<td>{ep.first_seen:%Y-%m-%d %H:%M}</td>"
            f"<td>{'' if ep.resolved_at is None else format(ep.resolved_at, '%Y-%m-%d %H:%M')}</td>"
            f"<td>{hours:.1f} h</td><td>{e(what_happened(ep))}</td>"
            f"<td>{'' if ep.value is None else format(ep.value, '.3g')}"
            f"{'' if ep.threshold is None else ' vs ' + format(ep.threshold, '.3g')}</td>"
            f"<td>{e(ep.resolution())}</td></tr>"
        )
    head = "".join(f"<th>{c}</th>" for c in ("alert", "severity", "since (UTC)", "resolved (UTC)",
                                             "duration", "what happened", "value", "resolved by"))
    return (f'<h2>{e(title)}</h2><table class="alerts episodes"><thead><tr>{head}</tr></thead>'
            f"<tbody>{''.join(rows)}</tbody></table>")
