"""M2 context coherence and the session profiler (re-asked fields, contradicted facts)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from agent_monitor.lib.metrics.rates import ratio
from agent_monitor.lib.metrics.rows import Rows, as_rows, get, is_primary, order_key, str_list

LATE_TURN = 50
EARLY_LAST_TURN = 20
RECENT_SPAN = 20


@dataclass(frozen=True)
class CoherenceFlagRule:
    """When the profiler flags a session; defaults follow SPEC §4 M2."""

    min_ratio: float = 0.3
    min_late_responses: int = 20
    flag_reasked_fields: bool = True
    flag_contradicted_facts: bool = True
    flag_tool_loops: bool = True
    flag_repeated_questions: bool = True


@dataclass(frozen=True)
class Finding:
    """One profiler finding, pointing at the turn (and response) where it happens."""

    kind: str
    turn: int
    event_id: str
    detail: str


@dataclass(frozen=True)
class LateResponse:
    """One primary response at turn >= 50 with its early and recent reference counts."""

    event_id: str
    turn: int
    ts: datetime
    agent_id: str
    agent_version: str | None
    early: int
    recent: int


@dataclass(frozen=True)
class Contradiction:
    """The agent referenced name=referenced after the user provided name=provided."""

    name: str
    provided: str
    referenced: str
    turn: int
    event_id: str


@dataclass(frozen=True)
class SessionProfile:
    """One session's coherence totals and profiler findings."""

    session_id: str | None
    n_responses: int
    n_late_responses: int
    early_refs: int
    recent_refs: int
    coherence_ratio: float | None
    reasked_fields: tuple[str, ...]
    n_reask_requests: int
    contradicted_facts: tuple[str, ...]
    contradictions: tuple[Contradiction, ...]
    flagged: bool
    flag_reasons: tuple[str, ...]
    late_responses: tuple[LateResponse, ...]
    findings: tuple[Finding, ...] = ()

    @property
    def n_reasked_fields(self) -> int:
        """Number of distinct re-asked fields."""
        return len(self.reasked_fields)


def introduction_turns(events: Iterable[Mapping[str, Any]]) -> dict[str, int]:
    """First turn at which each fact appears in facts_provided or facts_referenced."""
    intro: dict[str, int] = {}
    for row in events:
        turn = int(row["turn"])
        for fact in str_list(row.get("facts_provided")) + str_list(row.get("facts_referenced")):
            if fact not in intro or turn < intro[fact]:
                intro[fact] = turn
    return intro


def count_refs(facts: Iterable[str], intro: Mapping[str, int], turn: int) -> tuple[int, int]:
    """(early, recent) counts of a response's distinct facts at the given turn."""
    early = recent = 0
    for fact in set(facts):
        first = intro.get(fact, turn)
        if 1 <= first <= EARLY_LAST_TURN:
            early += 1
        if turn - RECENT_SPAN <= first <= turn:
            recent += 1
    return early, recent


def session_profile(events: Rows, rule: CoherenceFlagRule | None = None) -> SessionProfile:
    """Profile one session from its user_message and agent_response rows (any order)."""
    rule = rule or CoherenceFlagRule()
    rows = sorted(
        (
            r
            for r in as_rows(events)
            if r["event_type"] in ("user_message", "agent_response")
            and is_primary(r)
            and get(r, "turn") is not None
        ),
        key=lambda r: (int(r["turn"]), r["event_type"] != "user_message", *order_key(r)),
    )
    intro = introduction_turns(rows)
    responses = [r for r in rows if r["event_type"] == "agent_response"]
    late = [_late_row(r, intro) for r in responses if int(r["turn"]) >= LATE_TURN]
    reasked, n_requests, contradictions, findings = _user_consistency(rows)
    findings += _flag_findings(responses)
    early = sum(r.early for r in late)
    recent = sum(r.recent for r in late)
    coherence = ratio(early, recent)
    contradicted = tuple(dict.fromkeys(f"{c.name}={c.provided}" for c in contradictions))
    reasons: list[str] = []
    if coherence is not None and coherence < rule.min_ratio:
        if len(late) >= rule.min_late_responses:
            reasons.append("low_coherence")
    if rule.flag_reasked_fields and reasked:
        reasons.append("reasked_field")
    if rule.flag_contradicted_facts and contradictions:
        reasons.append("contradicted_fact")
    kinds = {f.kind for f in findings}
    if rule.flag_tool_loops and "tool_loop" in kinds:
        reasons.append("tool_loop")
    if rule.flag_repeated_questions and "repeated_question" in kinds:
        reasons.append("repeated_question")
    session_ids = {get(r, "session_id") for r in rows}
    return SessionProfile(
        session_id=next(iter(session_ids)) if len(session_ids) == 1 else None,
        n_responses=len(responses),
        n_late_responses=len(late),
        early_refs=early,
        recent_refs=recent,
        coherence_ratio=coherence,
        reasked_fields=reasked,
        n_reask_requests=n_requests,
        contradicted_facts=contradicted,
        contradictions=contradictions,
        flagged=bool(reasons),
        flag_reasons=tuple(reasons),
        late_responses=tuple(late),
        findings=tuple(sorted(findings, key=lambda f: (f.turn, f.kind, f.detail))),
    )


def _flag_findings(responses: Sequence[Mapping[str, Any]]) -> tuple[Finding, ...]:
    """Findings from response flags: each repeated question, and each loop once.

    A loop is one finding at the first flagged response of a run of consecutive flagged
    responses, however long it runs.
    """
    out: list[Finding] = []
    in_loop = False
    for row in responses:
        attributes = row.get("attributes")
        marks = attributes.get("profile_flags") if isinstance(attributes, Mapping) else None
        flags = set(str_list(row.get("flags"))) | set(str_list(row.get("profile_flags") or marks))
        if "tool_loop" in flags and not in_loop:
            out.append(Finding("tool_loop", int(row["turn"]), str(row["event_id"]), ""))
        in_loop = "tool_loop" in flags
        if "repeated_question" in flags:
            out.append(Finding("repeated_question", int(row["turn"]), str(row["event_id"]), ""))
    return tuple(out)


def _late_row(row: Mapping[str, Any], intro: Mapping[str, int]) -> LateResponse:
    turn = int(row["turn"])
    early, recent = count_refs(str_list(row.get("facts_referenced")), intro, turn)
    return LateResponse(
        event_id=str(row["event_id"]),
        turn=turn,
        ts=row["ts"],
        agent_id=str(row["agent_id"]),
        agent_version=get(row, "agent_version"),
        early=early,
        recent=recent,
    )


def _user_consistency(
    rows: Sequence[Mapping[str, Any]],
) -> tuple[tuple[str, ...], int, tuple[Contradiction, ...], tuple[Finding, ...]]:
    """Walk the session in turn order: re-asked fields and contradicted name=value facts."""
    findings: list[Finding] = []
    provided_fields: set[str] = set()
    user_values: dict[str, str] = {}
    reasked: dict[str, None] = {}
    n_requests = 0
    contradictions: list[Contradiction] = []
    for row in rows:
        if row["event_type"] == "user_message":
            provided_fields.update(str_list(row.get("fields_provided")))
            for fact in str_list(row.get("facts_provided")):
                if "=" in fact:
                    name, value = fact.split("=", 1)
                    user_values[name] = value
            continue
        for field in dict.fromkeys(str_list(row.get("fields_requested"))):
            if field in provided_fields:
                reasked.setdefault(field, None)
                n_requests += 1
                findings.append(
                    Finding("reasked_field", int(row["turn"]), str(row["event_id"]), field)
                )
        for fact in dict.fromkeys(str_list(row.get("facts_referenced"))):
            if "=" not in fact:
                continue
            name, value = fact.split("=", 1)
            if name in user_values and value != user_values[name]:
                contradictions.append(
                    Contradiction(
                        name, user_values[name], value, int(row["turn"]), str(row["event_id"])
                    )
                )
                findings.append(
                    Finding("contradicted_fact", int(row["turn"]), str(row["event_id"]),
                            f"{name}: {user_values[name]} -> {value}")
                )
    return tuple(reasked), n_requests, tuple(contradictions), tuple(findings)


def coherence_totals(late: Iterable[LateResponse]) -> tuple[int, int, int, float | None]:
    """(n_late_responses, Σearly, Σrecent, ratio) over late-response rows of a window."""
    rows = list(late)
    early = sum(r.early for r in rows)
    recent = sum(r.recent for r in rows)
    return len(rows), early, recent, ratio(early, recent)
