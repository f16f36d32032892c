"""A backtest result as text (the command) and as markdown (the Dagster job's metadata)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import datetime, timedelta

from agent_monitor.lib.alert_store.alerts import delivery_label
from agent_monitor.lib.alerting.catalogue import CATALOGUE
from agent_monitor.lib.alerting.rules import format_value
from agent_monitor.lib.backtest.compare import also_actual, still_proposed
from agent_monitor.lib.backtest.episodes import Episode
from agent_monitor.lib.backtest.run import BacktestResult

HOUR = timedelta(hours=1)
EPISODE_COLUMNS = ("rule", "scope", "breach hours", "peak", "severity", "outcome", "actually")
ACTUAL_COLUMNS = ("rule", "scope", "first seen", "resolved", "delivery", "proposed")


def _t(moment: datetime | None) -> str:
    return "-" if moment is None else f"{moment:%m-%d %H:%M}"


def _outcome(e: Episode) -> str:
    if e.fate == "paged":
        text = f"paged {_t(e.paged_at)}" + (f", {e.repeats} repeat(s)" if e.repeats else "")
    elif e.fate == "inhibited":
        text = f"inhibited by {e.inhibited_by}"
    elif e.fate == "silenced":
        text = f"silenced by {e.silenced_by}"
    else:
        text = "recorded, not sent"
    if e.resolved_at is None:
        return text + "; still firing at the end"
    return text + f"; resolved {_t(e.resolved_at)}" + (" (message sent)" if e.resolve_sent else "")


def episode_rows(result: BacktestResult) -> list[dict[str, str]]:
    """One row per episode the proposed configuration would have had."""
    return [{
        "rule": e.rule, "scope": e.scope_key,
        "breach hours": f"{_t(e.first_hour)}–{e.last_breach_hour + HOUR:%H:%M}",
        "peak": format_value(CATALOGUE[e.rule].unit, e.peak), "severity": e.severity,
        "outcome": _outcome(e),
        "actually": "fired too" if also_actual(e, result.actual) else "did not fire",
    } for e in result.episodes]


def actual_rows(result: BacktestResult) -> list[dict[str, str]]:
    """One row per episode in `alerts`, and whether the proposal would still fire there."""
    return [{
        "rule": a["rule"], "scope": a["scope_key"], "first seen": _t(a["first_seen"]),
        "resolved": _t(a["resolved_at"]), "delivery": delivery_label(a),
        "proposed": "would fire" if still_proposed(a, result.episodes) else "would NOT fire",
    } for a in result.actual]


def _summary(result: BacktestResult) -> list[str]:
    fates = Counter(e.fate for e in result.episodes)
    resolved = sum(1 for e in result.episodes if e.resolved_at is not None)
    rules = result.proposal.rule or f"all {len(result.proposal.rules)} rules"
    return [
        f"backtest of {rules}: {result.start:%Y-%m-%d %H:%M} … {result.end:%Y-%m-%d %H:%M} UTC "
        f"({result.hours} hours with health rows; one tick 5 min after each hour)",
        f"proposed: {result.setting}",
        f"would have: {len(result.episodes)} episode(s) — {fates['paged']} paged, "
        f"{fates['inhibited']} inhibited, {fates['silenced']} silenced; {resolved} resolved",
        f"actually (alerts table): {len(result.actual)} episode(s)",
    ]


def truth_lines(result: BacktestResult) -> list[str]:
    """Each injected incident's first page relative to its start; pages it does not explain."""
    if result.ground_truth is None:
        return []
    lines = [f"ground truth ({result.ground_truth}):"]
    for found in result.incidents:
        i = found.incident
        head = f"  {i.kind} on {', '.join(i.agents)} {i.start:%m-%d %H:%M} → {i.end:%m-%d %H:%M}: "
        first, lead = found.first_paged, found.lead_hours
        if first is None or lead is None:
            lines.append(head + ("no page" if not found.episodes else
                                 f"{len(found.episodes)} episode(s), none paged"))
        else:
            lines.append(head + f"first page {_t(first.paged_at)} ({lead:+.1f} h after it began) "
                         f"by {first.rule} on {first.scope_key}")
    false_pages = [e for e in result.unexplained if e.fate == "paged"]
    lines.append(f"  pages no injected incident explains: {len(false_pages)}")
    lines += [f"    {e.rule} on {e.scope_key} paged {_t(e.paged_at)}" for e in false_pages]
    return lines


def _table(rows: Sequence[dict[str, str]], columns: Sequence[str]) -> list[str]:
    if not rows:
        return ["  (none)"]
    widths = [max(len(c), *(len(r[c]) for r in rows)) for c in columns]
    line = "  " + "  ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))
    return [line.rstrip()] + [
        ("  " + "  ".join(r[c].ljust(w) for c, w in zip(columns, widths, strict=True))).rstrip()
        for r in rows
    ]


def text_report(result: BacktestResult) -> str:
    """The command's output."""
    lines = _summary(result) + ["", "episodes with the proposed configuration:"]
    lines += _table(episode_rows(result), EPISODE_COLUMNS)
    lines += ["", "what actually fired (alerts table):"]
    lines += _table(actual_rows(result), ACTUAL_COLUMNS)
    truth = truth_lines(result)
    return "\n".join(lines + ([""] + truth if truth else []))


def _markdown(rows: Sequence[dict[str, str]], columns: Sequence[str]) -> str:
    if not rows:
        return "_none_"
    cells = [[r[c].replace("|", "\\|") for c in columns] for r in rows]
    return "\n".join(["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
                     + ["| " + " | ".join(row) + " |" for row in cells])


def markdown_report(result: BacktestResult) -> str:
    """The same report for the Dagster UI."""
    parts = ["\n\n".join(_summary(result)), "### Episodes with the proposed configuration",
             _markdown(episode_rows(result), EPISODE_COLUMNS),
             "### What actually fired (`alerts`)", _markdown(actual_rows(result), ACTUAL_COLUMNS)]
    truth = truth_lines(result)
    if truth:
        parts += ["### Ground truth", "\n".join(f"- {line.strip()}" for line in truth[1:])]
    return "\n\n".join(parts)
