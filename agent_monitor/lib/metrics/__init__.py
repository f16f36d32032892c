"""Pure maths of the seven metrics (SPEC §4 M1–M7) over raw_events rows."""

from agent_monitor.lib.metrics.calibration import (
    CalibrationSummary,
    ReviewedResponse,
    calibration_summary,
    merge_summaries,
    reviewed_responses,
    summarise_reviewed,
)
from agent_monitor.lib.metrics.coherence import (
    CoherenceFlagRule,
    LateResponse,
    SessionProfile,
    coherence_totals,
    session_profile,
)
from agent_monitor.lib.metrics.completion import (
    CompletionCount,
    WorkflowOutcome,
    completion_by_agent,
    completion_count,
    workflow_outcomes,
)
from agent_monitor.lib.metrics.consistency import (
    RepeatedInputGroup,
    ShadowPair,
    ShadowPairCount,
    match_shadow_pairs,
    repeated_input_groups,
    shadow_pairs,
)
from agent_monitor.lib.metrics.escalation import (
    EscalationCount,
    escalation_rates,
    escalation_sessions,
    sessions_by_agent,
)
from agent_monitor.lib.metrics.hallucination import HallucinationCount, hallucination_count
from agent_monitor.lib.metrics.rates import ratio
from agent_monitor.lib.metrics.recovery import (
    Incident,
    OpenIncident,
    Outcome,
    RecoveryState,
    RecoveryWindow,
    outcomes_by_agent,
    recovery_incidents,
    recovery_window,
)

__all__ = [
    "CalibrationSummary",
    "CoherenceFlagRule",
    "CompletionCount",
    "EscalationCount",
    "HallucinationCount",
    "Incident",
    "LateResponse",
    "OpenIncident",
    "Outcome",
    "RecoveryState",
    "RecoveryWindow",
    "RepeatedInputGroup",
    "ReviewedResponse",
    "SessionProfile",
    "ShadowPair",
    "ShadowPairCount",
    "WorkflowOutcome",
    "calibration_summary",
    "coherence_totals",
    "completion_by_agent",
    "completion_count",
    "escalation_rates",
    "escalation_sessions",
    "hallucination_count",
    "match_shadow_pairs",
    "merge_summaries",
    "outcomes_by_agent",
    "ratio",
    "recovery_incidents",
    "recovery_window",
    "repeated_input_groups",
    "reviewed_responses",
    "sessions_by_agent",
    "session_profile",
    "shadow_pairs",
    "summarise_reviewed",
    "workflow_outcomes",
]
