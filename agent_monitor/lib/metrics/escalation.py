"""M7 user escalation and abandonment rates per agent that responded in the session."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Hashable, Mapping, Set
from dataclasses import dataclass

from agent_monitor.lib.metrics.rates import ratio
from agent_monitor.lib.metrics.rows import Rows, as_rows, get, is_primary


@dataclass(frozen=True)
class EscalationCount:
    """Sessions with a primary response of the agent, and those with a handoff / abandon."""

    n_sessions: int
    n_handoff_sessions: int
    n_abandon_sessions: int

    @property
    def handoff_rate(self) -> float | None:
        """Handoff sessions / sessions (None without sessions)."""
        return ratio(self.n_handoff_sessions, self.n_sessions)

    @property
    def abandon_rate(self) -> float | None:
        """Abandon sessions / sessions (None without sessions)."""
        return ratio(self.n_abandon_sessions, self.n_sessions)


def escalation_rates(
    sessions_with_response: Mapping[Hashable, Set[str]],
    handoff_sessions: Set[str],
    abandon_sessions: Set[str],
) -> dict[Hashable, EscalationCount]:
    """Per agent key: counts over the sessions in which that agent responded."""
    return {
        key: EscalationCount(
            n_sessions=len(sessions),
            n_handoff_sessions=len(sessions & handoff_sessions),
            n_abandon_sessions=len(sessions & abandon_sessions),
        )
        for key, sessions in sessions_with_response.items()
    }


def sessions_by_agent(responses: Rows, by_version: bool = False) -> dict[Hashable, set[str]]:
    """Sessions with >= 1 primary response, keyed by agent_id or (agent_id, agent_version)."""
    out: dict[Hashable, set[str]] = defaultdict(set)
    for row in as_rows(responses):
        if row["event_type"] != "agent_response" or not is_primary(row):
            continue
        agent = str(row["agent_id"])
        key: Hashable = (agent, get(row, "agent_version")) if by_version else agent
        out[key].add(str(row["session_id"]))
    return dict(out)


def escalation_sessions(escalations: Rows, kind: str) -> set[str]:
    """Sessions with >= 1 escalation of the given kind (handoff_request or abandon)."""
    return {
        str(row["session_id"])
        for row in as_rows(escalations)
        if row["event_type"] == "escalation" and row["kind"] == kind
    }
