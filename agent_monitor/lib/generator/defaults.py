"""The default fleet: five agents, three workflows, one incident of each kind."""

from __future__ import annotations

from datetime import datetime, timedelta

from agent_monitor.lib.generator.specs import (
    CASCADE,
    CONTEXT_DECAY,
    HALLUCINATION_DRIFT,
    LOGPROBS_TOKEN,
    LOGPROBS_TOP,
    AgentSpec,
    DecisionSpec,
    IncidentSpec,
    StepSpec,
    WorkflowSpec,
)

TRIAGE = "triage-router"
RETRIEVAL = "retrieval-agent"
BILLING = "billing-agent"
SUPPORT = "support-chat"
COMPLIANCE = "compliance-agent"


def default_agents() -> tuple[AgentSpec, ...]:
    """Five agents: router, retrieval, billing approvals, support chat, compliance."""
    return (
        AgentSpec(
            TRIAGE,
            versions=("v3",),
            sessions_per_hour=9.0,
            base_quality=0.88,
            decision=DecisionSpec("route", "routing", ("billing", "retrieval", "support")),
            shadow_version="v4-rc",
            required_fields=("order_id",),
        ),
        AgentSpec(
            RETRIEVAL,
            versions=("r1.4",),
            sessions_per_hour=9.0,
            long_sessions_per_hour=0.1,
            confidence_source="logprob",
            logprobs=LOGPROBS_TOKEN,
            base_quality=0.9,
            required_fields=("order_id", "email"),
        ),
        AgentSpec(
            BILLING,
            versions=("b2.0", "b2.1"),
            sessions_per_hour=11.0,
            logprobs=LOGPROBS_TOP,
            base_quality=0.86,
            decision=DecisionSpec("refund_approval", "approval", ("approve", "deny", "escalate")),
            shadow_version="b2.2-rc",
            required_fields=("order_id", "amount", "refund_reason"),
        ),
        AgentSpec(
            SUPPORT,
            versions=("s5.0", "s5.1"),
            sessions_per_hour=9.0,
            long_sessions_per_hour=2.0,
            confidence_source="logprob",
            logprobs=LOGPROBS_TOP,
            base_quality=0.9,
            decision=DecisionSpec("reply_policy", "content", ("answer", "clarify", "decline")),
            required_fields=("order_id", "email", "budget"),
        ),
        AgentSpec(
            COMPLIANCE,
            versions=("c1",),
            sessions_per_hour=9.0,
            base_quality=0.9,
            decision=DecisionSpec("compliance_check", "compliance", ("pass", "fail", "hold")),
            required_fields=("user_id", "country"),
        ),
    )


def default_workflows() -> tuple[WorkflowSpec, ...]:
    """order_refund (triage → retrieval → billing → compliance → notify) and two smaller ones."""
    return (
        WorkflowSpec(
            "order_refund",
            72.0,
            (
                StepSpec("classify", TRIAGE, (), (0.5, 3.0)),
                StepSpec("fetch_order", RETRIEVAL, ("classify",), (1.0, 6.0)),
                StepSpec("decide_refund", BILLING, ("fetch_order",), (2.0, 12.0)),
                StepSpec("compliance_check", COMPLIANCE, ("decide_refund",), (1.0, 8.0)),
                StepSpec("notify_customer", SUPPORT, ("decide_refund", "compliance_check")),
            ),
        ),
        WorkflowSpec(
            "account_update",
            16.0,
            (
                StepSpec("classify", TRIAGE, (), (0.5, 3.0)),
                StepSpec("lookup_account", RETRIEVAL, ("classify",), (1.0, 6.0)),
                StepSpec("reply", SUPPORT, ("lookup_account",)),
            ),
        ),
        WorkflowSpec(
            "kyc_review",
            16.0,
            (
                StepSpec("screen", COMPLIANCE, (), (2.0, 10.0)),
                StepSpec("confirm", SUPPORT, ("screen",)),
            ),
        ),
    )


def _at(start: datetime, hours: int, fraction: float) -> datetime:
    """The whole hour nearest to `fraction` of the period."""
    return start + timedelta(hours=round(hours * fraction))


def default_incidents(start: datetime, hours: int) -> tuple[IncidentSpec, ...]:
    """One incident of each kind at distinct times, each after clean traffic.

    For 72 h: context decay 06–18 h, cascade 22–30 h, hallucination drift 40–58 h, so the
    drift has 24 h of clean baseline (P2) and of clean reviews (M1) before it.
    """
    spans = {
        CONTEXT_DECAY: (0.08, 0.25),
        CASCADE: (0.31, 0.42),
        HALLUCINATION_DRIFT: (0.555, 0.805),
    }
    agents = {
        CONTEXT_DECAY: (SUPPORT,),
        CASCADE: (RETRIEVAL, BILLING),
        HALLUCINATION_DRIFT: (BILLING,),
    }
    incidents = []
    for kind in (CONTEXT_DECAY, CASCADE, HALLUCINATION_DRIFT):
        lo, hi = spans[kind]
        begin = _at(start, hours, lo)
        end = max(_at(start, hours, hi), begin + timedelta(hours=1))
        incidents.append(IncidentSpec(kind, agents[kind], begin, end))
    return tuple(incidents)
