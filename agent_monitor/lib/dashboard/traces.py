"""Trace pages: for each example trace an alert message links to, the sessions it belongs to,
turn by turn, with the profiler's findings and every flag, error and decision highlighted."""

from __future__ import annotations

import html
import re
from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, inspect, or_, select

from agent_monitor.lib.warehouse.tables_alerting import alert_notifications
from agent_monitor.lib.warehouse.tables_metrics import session_coherence
from agent_monitor.lib.warehouse.tables_raw import raw_events

EXAMPLE_TRACES = "Example traces:"
SLACK_LINK = re.compile(r"<([^|>]+)\|([^>]+)>")
MAX_EVENTS = 2000
SHOWN = ("ts", "event_type", "turn", "agent_id", "agent_version", "confidence", "status",
         "error_type", "facts_provided", "facts_referenced", "fields_provided", "fields_requested",
         "decision", "flags", "kind", "step_id", "text")


def linked_trace_ids(connection: Connection) -> list[str]:
    """Every trace ID that a sent (or queued) alert message names under "Example traces"."""
    if not inspect(connection).has_table("alert_notifications"):
        return []
    found: dict[str, None] = {}
    for blocks in connection.execute(select(alert_notifications.c.blocks)).scalars():
        for text in _context_texts(blocks or []):
            if text.startswith(EXAMPLE_TRACES):
                for _, label in SLACK_LINK.findall(text):
                    found[html.unescape(label)] = None
    return list(found)


def _context_texts(blocks: Sequence[Any]) -> Iterable[str]:
    for block in blocks:
        if isinstance(block, dict) and block.get("type") == "context":
            for element in block.get("elements", []):
                if isinstance(element, dict) and isinstance(element.get("text"), str):
                    yield element["text"]


def trace_events(connection: Connection, trace_id: str) -> list[dict[str, Any]]:
    """The trace's events and every event of the sessions they belong to, in time order."""
    own = [dict(r) for r in connection.execute(
        select(raw_events).where(raw_events.c.trace_id == trace_id)).mappings()]
    sessions = sorted({e["session_id"] for e in own if e["session_id"]})
    runs = sorted({e["workflow_run_id"] for e in own if e["workflow_run_id"]})
    if sessions or runs:
        conditions = []
        if sessions:
            conditions.append(raw_events.c.session_id.in_(sessions))
        if runs:
            conditions.append(raw_events.c.workflow_run_id.in_(runs))
        query = (select(raw_events).where(or_(*conditions), raw_events.c.event_type != "review")
                 .order_by(raw_events.c.ts, raw_events.c.event_id).limit(MAX_EVENTS))
        return [dict(r) for r in connection.execute(query).mappings()]
    return sorted(own, key=lambda e: (e["ts"], e["event_id"]))


def session_findings(connection: Connection, session_ids: Sequence[str]) -> list[dict[str, Any]]:
    """The session profiler's rows (session_coherence) for the sessions."""
    if not session_ids:
        return []
    query = select(session_coherence).where(session_coherence.c.session_id.in_(list(session_ids)))
    return [dict(r) for r in connection.execute(query).mappings()]


def highlights(event: dict[str, Any], findings: Sequence[dict[str, Any]]) -> list[str]:
    """Why a row stands out: hallucination flags, errors, re-asked fields, contradicted facts,
    escalations, failed steps."""
    found = []
    flags = event.get("flags") or []
    if any(str(f).startswith("hallucination") for f in flags):
        found.append("hallucination flag")
    elif flags:
        found.append("validator flag")
    if event.get("status") in ("error", "failed", "timed_out", "skipped"):
        found.append(f"{event['status']}" + (f": {event['error_type']}" if event.get("error_type") else ""))
    if event["event_type"] == "escalation":
        found.append(f"escalation: {event.get('kind')}")
    for row in findings:
        if row["session_id"] != event.get("session_id"):
            continue
        asked = set(event.get("fields_requested") or []) & set(row.get("reasked_fields") or [])
        if asked:
            found.append("re-asked " + ", ".join(sorted(asked)))
        referenced = {str(f).split("=", 1)[0] for f in event.get("facts_referenced") or []}
        contradicted = {str(f).split("=", 1)[0] for f in row.get("contradicted_facts") or []}
        if event["event_type"] == "agent_response" and referenced & contradicted:
            found.append("contradicts " + ", ".join(sorted(referenced & contradicted)))
    return found


def _cell(event: dict[str, Any], column: str) -> str:
    if column == "decision":
        if not event.get("decision_name"):
            return ""
        value = f"{event['decision_name']}={event.get('decision_value')}"
        return value + (f" ({event['decision_path']})" if event.get("decision_path") else "")
    value = event.get(column)
    if value is None:
        return ""
    if column == "ts":
        return f"{value:%Y-%m-%d %H:%M:%S}"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return str(value)


def render_trace_page(trace_id: str, events: Sequence[dict[str, Any]],
                      findings: Sequence[dict[str, Any]], css: str, index_link: str) -> str:
    """One self-contained page for a trace."""
    e = html.escape
    rows = []
    for event in events:
        marks = highlights(event, findings)
        own = event.get("trace_id") == trace_id
        classes = " ".join(c for c in ("hl" if marks else "", "own" if own else "") if c)
        cells = "".join(f"<td>{e(_cell(event, c))}</td>" for c in SHOWN)
        rows.append(f'<tr class="{classes}" data-event="{e(event["event_id"])}" '
                    f'data-highlights="{e("; ".join(marks))}"><td class="why">{e("; ".join(marks))}</td>'
                    f"{cells}</tr>")
    profile = "".join(
        f"<li data-session=\"{e(row['session_id'])}\"><b>{e(row['session_id'])}</b>: coherence "
        f"{'—' if row['coherence_ratio'] is None else format(row['coherence_ratio'], '.2f')}, "
        f"re-asked fields: {e(', '.join(row['reasked_fields']) or 'none')}, contradicted facts: "
        f"{e(', '.join(row['contradicted_facts']) or 'none')}"
        f"{' — <b>flagged</b> (' + e(', '.join(row['flag_reasons'])) + ')' if row['flagged'] else ''}</li>"
        for row in findings
    ) or "<li>No session profile (not a conversation, or not built yet).</li>"
    head = "".join(f"<th>{e(c)}</th>" for c in ("highlight", *SHOWN))
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>Trace {e(trace_id)}</title><style>{css}"
        "tr.hl td{background:#fce8e6}tr.own td:first-child{border-left:4px solid #1a73e8}"
        "td.why{font-weight:600;color:#a50e0e}</style></head><body>"
        f'<p><a href="{e(index_link)}">← dashboard</a></p><h1>Trace {e(trace_id)}</h1>'
        f'<div class="meta">{len(events)} events of the sessions and runs this trace belongs to; '
        "rows of the trace itself are marked at the left, highlighted rows are why to look.</div>"
        f"<h2>Session profiler</h2><ul class=\"findings\">{profile}</ul>"
        f'<h2>Turns</h2><table class="alerts trace"><thead><tr>{head}</tr></thead>'
        f"<tbody>{''.join(rows)}</tbody></table></body></html>\n"
    )
