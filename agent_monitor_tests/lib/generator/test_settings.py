"""Default fleet and incidents, and the settings' validation."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agent_monitor.lib.generator import (
    GeneratorSettings,
    IncidentSpec,
    default_agents,
    default_incidents,
)

START = datetime(2026, 1, 5, tzinfo=UTC)


def _hours(moment: datetime) -> float:
    return (moment - START) / timedelta(hours=1)


def test_default_incidents_for_72_hours() -> None:
    # 72·0.08 = 5.76 → 6, 72·0.25 = 18; 72·0.31 = 22.3 → 22, 72·0.42 = 30.2 → 30;
    # 72·0.555 = 39.96 → 40, 72·0.805 = 57.96 → 58
    spans = {i.kind: (i.agents, _hours(i.start), _hours(i.end)) for i in default_incidents(START, 72)}
    assert spans == {
        "context_decay": (("support-chat",), 6, 18),
        "cascade": (("retrieval-agent", "billing-agent"), 22, 30),
        "hallucination_drift": (("billing-agent",), 40, 58),
    }


@pytest.mark.parametrize("hours", [3, 12, 24, 72, 168])
def test_default_incidents_do_not_overlap_and_follow_clean_traffic(hours: int) -> None:
    incidents = sorted(default_incidents(START, hours), key=lambda i: i.start)
    assert len(incidents) == 3
    assert _hours(incidents[0].start) >= 0
    for earlier, later in zip(incidents, incidents[1:], strict=False):
        assert earlier.end <= later.start
    assert _hours(incidents[-1].end) <= hours


def test_default_fleet() -> None:
    agents = default_agents()
    assert 5 <= len(agents) <= 6
    assert sum(len(a.versions) > 1 for a in agents) >= 2
    assert {a.decision.path for a in agents if a.decision} >= {"approval", "routing", "compliance"}
    assert sum(a.shadow_version is not None for a in agents) >= 1


def test_settings_default_to_default_incidents_and_allow_none() -> None:
    assert GeneratorSettings().incidents == default_incidents(START, 72)
    assert GeneratorSettings(incidents=()).incidents == ()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"start": START + timedelta(minutes=30)}, "whole hour"),
        ({"hours": 0}, "at least 1"),
        ({"incidents": (IncidentSpec("meltdown", ("billing-agent",), START, START),)}, "kind"),
        (
            {"incidents": (IncidentSpec("context_decay", ("ghost",), START, START + timedelta(1)),)},
            "unknown agent",
        ),
        (
            {"incidents": (IncidentSpec("cascade", ("billing-agent",), START, START + timedelta(1)),)},
            "downstream",
        ),
        (
            # no workflow step of triage-router depends on a billing-agent step
            {"incidents": (IncidentSpec("cascade", ("billing-agent", "triage-router"), START, START + timedelta(1)),)},
            "depends on",
        ),
        (
            {"incidents": (IncidentSpec("context_decay", ("support-chat",), START, START),)},
            "after start",
        ),
    ],
)
def test_settings_reject(kwargs: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        GeneratorSettings(**kwargs)
