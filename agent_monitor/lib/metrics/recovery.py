"""M6 recovery time: incidents per agent from its time-ordered outcomes, window by window."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, replace

from agent_monitor.lib.metrics.rows import Rows, as_rows, epoch_of, get, is_primary

RECOVERY_RUN = 3
SUCCESS_STATUSES = {"agent_response": {"ok"}, "workflow_step": {"succeeded"}}
FAILURE_STATUSES = {"agent_response": {"error"}, "workflow_step": {"failed", "timed_out"}}


@dataclass(frozen=True, order=True)
class Outcome:
    """One success or failure of an agent; ordered by (ts_epoch, event_id).

    kind is what succeeded or failed (`agent_response` or `workflow_step`): an incident
    opened by a failed step recovers only through succeeded steps (`STEP_KIND`).
    """

    ts_epoch: float
    event_id: str
    success: bool
    kind: str = ""


@dataclass(frozen=True)
class OpenIncident:
    """An incident that has not recovered yet; truncated: it may have opened earlier."""

    opened_at: float
    opened_event_id: str
    truncated: bool = False
    kind: str = ""

    def age_at(self, epoch: float) -> float:
        """Seconds since the incident opened."""
        return epoch - self.opened_at


@dataclass(frozen=True)
class Incident:
    """A recovered incident: recovered_at starts the run of successes, confirmed_at ends it."""

    opened_at: float
    opened_event_id: str
    recovered_at: float
    recovered_event_id: str
    confirmed_at: float
    truncated: bool = False

    @property
    def recovery_s(self) -> float:
        """Recovery time: first success of the recovering run − opening failure."""
        return self.recovered_at - self.opened_at


@dataclass(frozen=True)
class RecoveryState:
    """Everything needed to continue the replay after the last consumed outcome.

    synced: the replay has seen a run of 3 successes (or started at the agent's first
    outcome), so whether an incident is open is known exactly.
    """

    position: tuple[float, str] | None = None
    open_incident: OpenIncident | None = None
    streak: int = 0
    streak_start: tuple[float, str] | None = None
    synced: bool = False


@dataclass(frozen=True)
class RecoveryWindow:
    """M6 for one window [start, end) of one agent."""

    recovered: tuple[Incident, ...]
    open_incident: OpenIncident | None
    open_age_s: float | None
    state_at_end: RecoveryState

    @property
    def n_recovered(self) -> int:
        """Incidents confirmed recovered in the window (MTTR denominator)."""
        return len(self.recovered)

    @property
    def recovery_s_sum(self) -> float:
        """Sum of their recovery times (MTTR numerator)."""
        return sum(i.recovery_s for i in self.recovered)

    @property
    def mttr_s(self) -> float | None:
        """Mean recovery time, None when nothing recovered."""
        return self.recovery_s_sum / self.n_recovered if self.recovered else None


def step(state: RecoveryState, outcome: Outcome) -> tuple[RecoveryState, Incident | None]:
    """Consume one outcome; returns the new state and the incident it recovered, if any."""
    key = (outcome.ts_epoch, outcome.event_id)
    if state.position is not None and key <= state.position:
        return state, None
    if not outcome.success:
        opened = state.open_incident or OpenIncident(
            outcome.ts_epoch, outcome.event_id, truncated=not state.synced, kind=outcome.kind
        )
        return RecoveryState(key, opened, 0, None, state.synced), None
    if state.open_incident is not None and _no_recovery_of(state.open_incident, outcome):
        # A reply after a failed tool call or step recovers nothing (neither counts nor breaks).
        return replace(state, position=key), None
    start = state.streak_start if state.streak else key
    streak = min(state.streak + 1, RECOVERY_RUN)
    synced = state.synced or streak >= RECOVERY_RUN
    incident = state.open_incident
    if incident is not None and streak >= RECOVERY_RUN and start is not None:
        done = Incident(
            opened_at=incident.opened_at,
            opened_event_id=incident.opened_event_id,
            recovered_at=start[0],
            recovered_event_id=start[1],
            confirmed_at=outcome.ts_epoch,
            truncated=incident.truncated,
        )
        return RecoveryState(key, None, streak, start, synced), done
    return RecoveryState(key, incident, streak, start, synced), None


STEP_KIND = "workflow_step"


def _no_recovery_of(incident: OpenIncident, outcome: Outcome) -> bool:
    """A failed step is only mended by succeeded steps; a failed response by any success."""
    return incident.kind == STEP_KIND and outcome.kind != STEP_KIND


def recovery_incidents(
    outcomes: Iterable[Outcome | tuple[float, str, bool] | tuple[float, str, bool, str]],
    initial_state: RecoveryState | None = None,
) -> tuple[list[Incident], RecoveryState]:
    """Replay outcomes in (ts, event_id) order; recovered incidents and the final state."""
    state = initial_state or RecoveryState()
    incidents: list[Incident] = []
    for outcome in sorted(_outcomes(outcomes)):
        state, done = step(state, outcome)
        if done is not None:
            incidents.append(done)
    return incidents, state


def recovery_window(
    outcomes: Iterable[Outcome | tuple[float, str, bool] | tuple[float, str, bool, str]],
    start_epoch: float,
    end_epoch: float,
    initial_state: RecoveryState | None = None,
) -> RecoveryWindow:
    """Incidents confirmed in [start, end) and the incident still open at end with its age.

    outcomes holds the look-back before start (or nothing, when initial_state carries it)
    plus the window; outcomes at or after end are ignored.
    """
    before_end = [o for o in _outcomes(outcomes) if o.ts_epoch < end_epoch]
    incidents, state = recovery_incidents(before_end, initial_state)
    recovered = tuple(i for i in incidents if start_epoch <= i.confirmed_at < end_epoch)
    opened = state.open_incident
    age = opened.age_at(end_epoch) if opened is not None else None
    return RecoveryWindow(recovered, opened, age, state)


def outcomes_by_agent(events: Rows) -> dict[str, list[Outcome]]:
    """Each agent's outcomes from primary responses and workflow steps (skipped is none)."""
    out: dict[str, list[Outcome]] = defaultdict(list)
    for row in as_rows(events):
        kind = row["event_type"]
        if kind not in SUCCESS_STATUSES or not is_primary(row):
            continue
        status = get(row, "status") or ("ok" if kind == "agent_response" else None)
        if status in SUCCESS_STATUSES[kind]:
            success = True
        elif status in FAILURE_STATUSES[kind]:
            success = False
        else:
            continue
        out[str(row["agent_id"])].append(
            Outcome(epoch_of(row), str(row["event_id"]), success, str(kind))
        )
    return {agent: sorted(rows) for agent, rows in sorted(out.items())}


def mark_synced(state: RecoveryState) -> RecoveryState:
    """The state to start from when the outcomes begin at the agent's first outcome."""
    return replace(state, synced=True)


def _outcomes(
    outcomes: Iterable[Outcome | tuple[float, str, bool] | tuple[float, str, bool, str]],
) -> list[Outcome]:
    return [
        o if isinstance(o, Outcome)
        else Outcome(float(o[0]), str(o[1]), bool(o[2]), str(o[3]) if len(o) > 3 else "")
        for o in outcomes
    ]
