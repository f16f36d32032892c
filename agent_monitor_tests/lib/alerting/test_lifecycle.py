"""Alert lifecycle transitions: fire, repeat every 4 h, resolve once, inhibit, silence."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agent_monitor.lib.alerting.lifecycle import (
    AlertRow,
    AlertScope,
    Evaluation,
    Transition,
    transition,
)
from agent_monitor.lib.alerting.rules import RuleStatus
from agent_monitor.lib.alerting.silences import Inhibition, Silence

T0 = datetime(2025, 3, 1, 12, 0, tzinfo=UTC)
BILLING = AlertScope("billing")
BREACH = RuleStatus("critical", 0.14, 0.10, "0.140 is above the critical threshold 0.100")
WARN = RuleStatus("warning", 0.08, 0.10, "warning")
OK = RuleStatus("ok", 0.05, 0.10, "0.050 is not above the threshold 0.100")
NO_DATA = RuleStatus("no_data", None, 0.10, "no data")


def step(previous: AlertRow | None, status: RuleStatus, at: datetime, **kw: object) -> Transition:
    return transition(previous, Evaluation("m1_confidence_divergence", BILLING, status), at, **kw)  # type: ignore[arg-type]


def test_full_episode_fire_repeat_resolve() -> None:
    fired = step(None, BREACH, T0)
    assert fired.action == "fire"
    assert fired.row is not None and fired.notification is not None
    assert (fired.row.state, fired.row.episode, fired.row.notified_at) == ("firing", 1, T0)
    assert fired.notification.idempotency_key == "m1_confidence_divergence:agent=billing:1:fire:1"

    # 3 h 59 min later: still firing, not repeated
    early = step(fired.row, BREACH, T0 + timedelta(hours=3, minutes=59))
    assert (early.action, early.notification) == ("still_firing", None)
    assert early.row is not None and early.row.notified_at == T0

    # exactly 4 h after the last notification: repeat
    repeat = step(early.row, BREACH, T0 + timedelta(hours=4))
    assert repeat.action == "repeat" and repeat.notification is not None
    assert repeat.notification.idempotency_key.endswith(":1:repeat:2")
    assert repeat.row is not None and repeat.row.notified_at == T0 + timedelta(hours=4)

    resolved = step(repeat.row, OK, T0 + timedelta(hours=5))
    assert resolved.action == "resolve" and resolved.notification is not None
    assert resolved.notification.idempotency_key.endswith(":1:resolve:3")
    assert resolved.row is not None and resolved.row.state == "resolved"
    assert resolved.row.resolved_at == T0 + timedelta(hours=5)

    # Still OK an hour later: nothing more is sent (the resolve went out once).
    after = step(resolved.row, OK, T0 + timedelta(hours=6))
    assert (after.action, after.row, after.notification) == ("none", None, None)

    # A new breach opens episode 2 with its own keys.
    again = step(resolved.row, BREACH, T0 + timedelta(hours=7))
    assert again.row is not None and again.row.episode == 2
    assert again.notification is not None
    assert again.notification.idempotency_key == "m1_confidence_divergence:agent=billing:2:fire:1"


def test_rerunning_a_tick_gives_the_same_notification_key() -> None:
    first = step(None, BREACH, T0)
    rerun = step(None, BREACH, T0 + timedelta(seconds=30))
    assert first.notification is not None and rerun.notification is not None
    assert first.notification.idempotency_key == rerun.notification.idempotency_key


def test_no_data_holds_a_firing_alert() -> None:
    fired = step(None, BREACH, T0)
    held = step(fired.row, NO_DATA, T0 + timedelta(hours=1))
    assert (held.action, held.row, held.notification) == ("hold", None, None)


def test_escalation_from_warning_to_critical_repeats_at_once() -> None:
    warned = step(None, WARN, T0)
    escalated = step(warned.row, BREACH, T0 + timedelta(minutes=10))
    assert escalated.action == "repeat"
    assert escalated.row is not None and escalated.row.severity == "critical"


def test_silence_records_without_notifying_then_fires_when_it_ends() -> None:
    silence = Silence("s1", ends_at=T0 + timedelta(hours=2), reason="deploy", author="ana",
                      rule="m1_*", agent="bill*")
    silenced = step(None, BREACH, T0, silences=[silence])
    assert (silenced.action, silenced.notification) == ("silenced", None)
    assert silenced.row is not None and silenced.row.silenced_by == "s1"
    assert silenced.row.notified_at is None
    # The silence ended at T0 + 2 h; the alert still breaches: the first notification now.
    later = step(silenced.row, BREACH, T0 + timedelta(hours=2), silences=[silence])
    assert later.action == "fire" and later.notification is not None
    assert later.notification.idempotency_key.endswith(":1:fire:1")


def test_a_page_silenced_before_it_resolves_still_gets_its_resolved_message() -> None:
    # Paged at T0, silenced from T0 + 30 min (still breaching: recorded, nothing sent), the
    # rule clears at T0 + 1 h while the silence holds: the person paged gets the all-clear.
    fired = step(None, BREACH, T0)
    silence = Silence("s2", ends_at=T0 + timedelta(days=1), reason="known", author="ana")
    quiet = step(fired.row, BREACH, T0 + timedelta(minutes=30), silences=[silence])
    assert (quiet.action, quiet.notification) == ("silenced", None)
    resolved = step(quiet.row, OK, T0 + timedelta(hours=1), silences=[silence])
    assert resolved.action == "resolve" and resolved.notification is not None
    assert resolved.notification.idempotency_key == "m1_confidence_divergence:agent=billing:1:resolve:2"
    assert resolved.row is not None and resolved.row.silenced_by == "s2"
    # Exactly one: the next tick finds it resolved and sends nothing.
    after = step(resolved.row, OK, T0 + timedelta(hours=2), silences=[silence])
    assert (after.action, after.notification) == ("none", None)


def test_an_inhibited_page_gets_its_resolved_message() -> None:
    # Paged, then its upstream root fires (inhibited: nothing sent), then it clears while the
    # root still fires: one resolve.
    billing = AlertScope("billing")
    inhibition = Inhibition(frozenset({"gateway"}), {"billing": ["gateway"]})
    status = RuleStatus("warning", 0.6, 0.9, "breach")

    def tick(previous: AlertRow | None, status: RuleStatus, at: datetime, **kw: object) -> Transition:
        return transition(previous, Evaluation("m5_workflow_completion", billing, status), at, **kw)  # type: ignore[arg-type]

    fired = tick(None, status, T0)
    assert fired.action == "fire"
    held = tick(fired.row, status, T0 + timedelta(hours=1), inhibition=inhibition)
    assert (held.action, held.notification) == ("inhibited", None)
    cleared = tick(held.row, RuleStatus("ok", 0.95, 0.9, "ok"), T0 + timedelta(hours=2),
                   inhibition=inhibition)
    assert cleared.action == "resolve" and cleared.notification is not None
    assert cleared.notification.kind == "resolve"


def test_an_alert_never_announced_resolves_silently() -> None:
    # Silenced from the start: no page was sent, so there is nothing to resolve in Slack.
    silence = Silence("s3", ends_at=T0 + timedelta(days=1), reason="known", author="ana")
    silenced = step(None, BREACH, T0, silences=[silence])
    resolved = step(silenced.row, OK, T0 + timedelta(hours=1), silences=[silence])
    assert (resolved.action, resolved.notification) == ("resolve", None)
    assert resolved.row is not None and resolved.row.state == "resolved"


@pytest.mark.parametrize(
    ("rule", "agent", "roots", "expected_action", "inhibited_by"),
    [
        # ledger <- billing <- gateway; gateway's incident fires: ledger's M5 is a victim
        ("m5_workflow_completion", "ledger", {"gateway"}, "inhibited", "gateway"),
        ("m6_recovery_time", "billing", {"gateway"}, "inhibited", "gateway"),
        # M1 is not an inhibited rule
        ("m1_confidence_divergence", "ledger", {"gateway"}, "fire", None),
        # the root itself is paged
        ("m6_recovery_time", "gateway", {"gateway"}, "fire", None),
        # no firing root upstream
        ("m5_workflow_completion", "ledger", {"search"}, "fire", None),
    ],
)
def test_inhibition_by_upstream_root(
    rule: str, agent: str, roots: set[str], expected_action: str, inhibited_by: str | None
) -> None:
    inhibition = Inhibition(frozenset(roots), {"ledger": ["billing"], "billing": ["gateway"]})
    status = RuleStatus("critical", 0.5, 0.9, "breach")
    result = transition(None, Evaluation(rule, AlertScope(agent), status), T0,
                        inhibition=inhibition)
    assert result.action == expected_action
    assert result.row is not None and result.row.inhibited_by == inhibited_by
    assert (result.notification is None) == (expected_action == "inhibited")


def test_agents_on_a_cycle_do_not_inhibit_each_other() -> None:
    inhibition = Inhibition(frozenset({"a", "b"}), {"a": ["b"], "b": ["a"]})
    assert inhibition.inhibitor("m6_recovery_time", "a") is None
    assert inhibition.inhibitor("m6_recovery_time", "b") is None
