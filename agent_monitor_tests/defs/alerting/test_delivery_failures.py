"""Slack failures leave alerts undelivered with attempts counted; the next tick sends once."""

from __future__ import annotations

import time
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from agent_monitor.defs.alerting.resources import Slack
from agent_monitor.defs.alerting.sensors import alert_tick
from agent_monitor.lib.alert_store.outbox import PendingNotification, record_delivery
from agent_monitor.lib.alerting.delivery import DeliveryResult
from agent_monitor.lib.config import MonitorConfig
from agent_monitor.lib.slack_standin import SlackStandIn
from agent_monitor.lib.warehouse.open import open_warehouse
from agent_monitor_tests.defs.alerting.conftest import T0, alert_rows, outbox_rows, seed_health

KEY = "m6_recovery_time:agent=billing:1:fire:1"


@pytest.fixture
def engine(warehouse_url: str) -> Engine:
    engine = open_warehouse(warehouse_url)
    seed_health(engine, "billing", "m6_recovery_time", "critical", 420.0, 300.0, n=2)
    return engine


# max_attempts_per_tick 2, max_retry_wait_seconds 1 (conftest):
# - 429 with Retry-After 5: the wait exceeds the 1 s budget after the first post -> 1 attempt;
# - 500 twice: post, back-off (≤ 0.5 s), look up (absent), post again -> 2 attempts;
# - a dropped connection twice: post, back-off, look up (absent), post -> 2 attempts;
# - connection refused (stand-in stopped): post, back-off, post -> 2 attempts;
# - a hang (no answer, then dropped unposted) twice: post, time out, wait out the late-post
#   window (0.5 s timeout + 0.3 s), look up (absent), post, time out -> 2 attempts.
@pytest.mark.parametrize(("failure", "attempts"), [
    ("rate_limit", 1), ("server_error", 2), ("disconnect", 2), ("refused", 2), ("hang", 2),
])
def test_failed_delivery_stays_undelivered_then_goes_out_once(
    engine: Engine, standin: SlackStandIn, config: MonitorConfig, slack: Slack,
    failure: str, attempts: int,
) -> None:
    if failure == "refused":
        standin.stop()
    elif failure == "rate_limit":
        standin.fail_next(1, "rate_limit", retry_after=5)
    else:
        standin.fail_next(2, failure, delay=1.0)  # type: ignore[arg-type]
    report = alert_tick(engine, config, T0, slack=slack)
    assert list(report.delivery.undelivered) == [KEY]
    (row,) = alert_rows(engine)
    assert (row["state"], row["delivery_status"], row["delivery_attempts"]) == (
        "firing", "undelivered", attempts)
    assert row["delivery_error"]
    assert standin.messages == []
    if failure == "refused":
        standin.start()  # the same port again
    report = alert_tick(engine, config, T0 + timedelta(minutes=1), slack=slack)
    alert_tick(engine, config, T0 + timedelta(minutes=2), slack=slack)
    assert report.delivery.delivered == [KEY]
    assert len(standin.posted_with_key(KEY)) == 1 and len(standin.messages) == 1
    (row,) = alert_rows(engine)
    assert (row["delivery_status"], row["delivery_attempts"]) == ("delivered", attempts + 1)


def test_a_timeout_whose_post_landed_late_is_found_not_reposted(
    engine: Engine, standin: SlackStandIn, config: MonitorConfig, slack: Slack
) -> None:
    # Slack answers after the 0.5 s client timeout but does post the message (at 0.8 s).
    standin.fail_next(1, "late_accept", delay=0.8)
    one_try = slack.model_copy(update={"max_attempts_per_tick": 1})
    alert_tick(engine, config, T0, slack=one_try)
    (row,) = alert_rows(engine)
    assert (row["delivery_status"], row["delivery_attempts"]) == ("undelivered", 1)
    assert "timed out" in row["delivery_error"]
    time.sleep(0.6)  # the late post lands
    report = alert_tick(engine, config, T0 + timedelta(minutes=1), slack=slack)
    assert report.delivery.delivered == [KEY]
    assert len(standin.posted_with_key(KEY)) == 1 and len(standin.messages) == 1
    (note,) = outbox_rows(engine)
    # Two tries: the post of the first tick, the history lookup of the second.
    assert (note["status"], note["already_posted"], note["attempts"]) == ("delivered", True, 2)


def test_a_crash_between_send_and_record_never_sends_twice(
    engine: Engine, standin: SlackStandIn, config: MonitorConfig, slack: Slack
) -> None:
    def crash(*args: object) -> None:
        raise RuntimeError("process died after the send")

    with pytest.raises(RuntimeError):
        alert_tick(engine, config, T0, slack=slack, record=crash)
    assert len(standin.posted_with_key(KEY)) == 1
    # The attempt was committed before the send; the result never was.
    (note,) = outbox_rows(engine)
    assert (note["status"], note["attempts"]) == ("pending", 1)
    report = alert_tick(engine, config, T0 + timedelta(minutes=1), slack=slack)
    assert report.delivery.delivered == [KEY]
    assert len(standin.messages) == 1
    (note,) = outbox_rows(engine)
    assert (note["status"], note["already_posted"]) == ("delivered", True)
    assert note["slack_ts"] == standin.messages[0]["ts"]


def test_record_delivery_counts_earlier_tries_and_every_post_of_the_tick(
    engine: Engine, config: MonitorConfig, standin: SlackStandIn
) -> None:
    # No token: the alert is queued, not sent (attempts 0).
    alert_tick(engine, config, T0, slack=Slack(channel="C0ALERTS01"))
    (note,) = outbox_rows(engine)
    item = PendingNotification(KEY, "m6_recovery_time", "agent=billing", 1, "fire",
                               note["created_at"], note["text"], [], attempts=1)
    # One try in an earlier tick, then 3 posts in this one: 1 + 3 = 4 in all.
    record_delivery(engine, item, DeliveryResult("retry_later", 3, error="HTTP 500"), T0)
    (row,) = alert_rows(engine)
    assert (row["delivery_status"], row["delivery_attempts"]) == ("undelivered", 4)


def test_a_late_accept_is_awaited_across_ticks_and_never_posted_over(
    engine: Engine, standin: SlackStandIn, config: MonitorConfig, slack: Slack
) -> None:
    # A 0.5 s timeout, Slack taking the post at 1.0 s, a 2 s window: the wait (until 2.5 s after
    # the send) does not fit the 1 s budget of a tick, so it is stored with the outbox row.
    standin.fail_next(1, "late_accept", delay=1.0)
    patient = slack.model_copy(update={"late_post_window_seconds": 2.0})
    alert_tick(engine, config, T0, slack=patient)
    (note,) = outbox_rows(engine)
    assert (note["status"], note["attempts"]) == ("pending", 1)
    assert note["post_may_land_until"] is not None
    # The next tick comes too early: it neither looks at the history nor posts.
    alert_tick(engine, config, T0 + timedelta(minutes=1), slack=patient)
    assert [c[0] for c in standin.calls] == ["chat.postMessage"]
    (row,) = alert_rows(engine)
    assert "may still land" in row["delivery_error"]
    time.sleep(2.6)
    report = alert_tick(engine, config, T0 + timedelta(minutes=2), slack=patient)
    assert report.delivery.delivered == [KEY]
    assert len(standin.posted_with_key(KEY)) == 1 and len(standin.messages) == 1
    (note,) = outbox_rows(engine)
    assert (note["status"], note["already_posted"], note["post_may_land_until"]) == ("delivered", True, None)
