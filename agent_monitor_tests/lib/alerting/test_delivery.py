"""Slack delivery against the stand-in: retries, back-off, and never posting twice."""

from __future__ import annotations

import socket
import time
from dataclasses import replace
from datetime import UTC, datetime

from slack_sdk import WebClient

from agent_monitor.lib.alerting.delivery import OutboundMessage, SlackNotifier
from agent_monitor.lib.slack_standin import SlackStandIn
from agent_monitor_tests.lib.alerting.conftest import CHANNEL, TOKEN


def message(key: str = "m6_recovery_time:agent=billing:1:fire:1", previous: int = 0) -> OutboundMessage:
    return OutboundMessage(key, datetime.now(UTC), f"alert {key}", previous_attempts=previous)


def notifier(client: WebClient, **kw: float) -> SlackNotifier:
    kw.setdefault("late_post_window_seconds", 0.5)
    return SlackNotifier(client, CHANNEL, backoff_seconds=0.05, **kw)  # type: ignore[arg-type]


def test_plain_delivery_records_the_key_in_metadata(
    standin: SlackStandIn, client: WebClient
) -> None:
    result = notifier(client).deliver(message("k-plain"))
    assert (result.status, result.attempts, result.already_posted) == ("delivered", 1, False)
    assert [m["ts"] for m in standin.posted_with_key("k-plain")] == [result.ts]
    assert standin.messages[0]["metadata"]["event_type"] == "agent_monitor_alert"


def test_429_waits_retry_after_then_delivers_once(
    standin: SlackStandIn, client: WebClient
) -> None:
    standin.fail_next(1, "rate_limit", retry_after=1)
    started = time.monotonic()
    result = notifier(client).deliver(message("k-429"))
    elapsed = time.monotonic() - started
    assert result.status == "delivered" and result.attempts == 2
    assert elapsed >= 1.0
    assert len(standin.posted_with_key("k-429")) == 1
    # 429 means "not taken": no history lookup was needed before re-posting.
    assert [c[:2] for c in standin.calls] == [
        ("chat.postMessage", "rate_limit"), ("chat.postMessage", "ok")]


def test_retry_after_beyond_the_tick_budget_is_left_for_the_next_tick(
    standin: SlackStandIn, client: WebClient
) -> None:
    standin.fail_next(1, "rate_limit", retry_after=5)
    started = time.monotonic()
    result = notifier(client, max_wait_seconds=2).deliver(message("k-budget"))
    assert result.status == "retry_later" and "429" in (result.error or "")
    assert time.monotonic() - started < 1.0
    assert standin.messages == []


def test_500_then_success_posts_once(standin: SlackStandIn, client: WebClient) -> None:
    standin.fail_next(1, "server_error")
    result = notifier(client).deliver(message("k-500"))
    assert result.status == "delivered"
    assert len(standin.posted_with_key("k-500")) == 1


def test_timeout_then_success_posts_once(standin: SlackStandIn, client: WebClient) -> None:
    # Slack never takes the first request (it hangs 1.5 s, then drops it).
    standin.fail_next(1, "hang", delay=1.5)
    result = notifier(client).deliver(message("k-timeout"))
    assert result.status == "delivered" and result.already_posted is False
    time.sleep(1.2)  # past the hung request's end: it never lands
    assert len(standin.posted_with_key("k-timeout")) == 1


def test_timeout_after_slack_posted_is_found_not_reposted(
    standin: SlackStandIn, client: WebClient
) -> None:
    # Slack takes the message but answers after the client gave up.
    standin.fail_next(1, "hang", delay=1.5, process=True)
    result = notifier(client).deliver(message("k-slow"))
    assert result.status == "delivered" and result.already_posted is True
    assert len(standin.posted_with_key("k-slow")) == 1


def test_dropped_connection_after_posting_is_found_not_reposted(
    standin: SlackStandIn, client: WebClient
) -> None:
    standin.fail_next(1, "disconnect", process=True)
    result = notifier(client).deliver(message("k-drop"))
    assert result.status == "delivered" and result.already_posted is True
    assert len(standin.posted_with_key("k-drop")) == 1


def test_crash_between_send_and_record_does_not_post_twice(
    standin: SlackStandIn, client: WebClient
) -> None:
    first = notifier(client).deliver(message("k-crash", previous=0))
    assert first.status == "delivered"
    # The process dies before writing the result; the outbox still says 1 attempt, pending.
    retry = notifier(client).deliver(message("k-crash", previous=1))
    assert retry.status == "delivered" and retry.already_posted is True
    assert retry.ts == first.ts
    assert len(standin.posted_with_key("k-crash")) == 1
    assert len(standin.messages) == 1


def test_connection_refused_is_retry_later_and_nothing_recorded(standin: SlackStandIn) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        closed_port = sock.getsockname()[1]
    client = WebClient(token=TOKEN, base_url=f"http://127.0.0.1:{closed_port}/api/", timeout=0.5)  # type: ignore[arg-type]
    result = notifier(client, max_attempts=3).deliver(message("k-refused"))
    assert (result.status, result.attempts, result.error) == (
        "retry_later", 3, "connection refused")
    assert standin.messages == []


def test_bad_token_is_permanent_and_never_echoed(standin: SlackStandIn) -> None:
    wrong = "xoxb-wrong-secret-999"
    client = WebClient(token=wrong, base_url=standin.base_url, timeout=0.5)  # type: ignore[arg-type]
    result = notifier(client).deliver(message("k-auth"))
    assert (result.status, result.permanent, result.attempts) == ("retry_later", True, 1)
    assert result.error == "HTTP 200: invalid_auth"
    assert wrong not in repr(result)
    assert standin.messages == []


def test_caller_client_keeps_its_own_retry_handlers(client: WebClient) -> None:
    handlers = list(client.retry_handlers)
    notifier(client)
    assert client.retry_handlers == handlers


def test_a_late_accept_within_the_window_is_found_not_reposted(
    standin: SlackStandIn, client: WebClient
) -> None:
    # The numbers that used to double-post 1 alert in 5: a 1 s timeout, Slack taking the post
    # at 2.5 s. The history check waits until 1 s + the 3 s window after the send.
    standin.fail_next(1, "late_accept", delay=2.5)
    slow_client = WebClient(token=TOKEN, base_url=standin.base_url, timeout=1.0)  # type: ignore[arg-type]
    started = time.monotonic()
    result = notifier(slow_client, late_post_window_seconds=3.0).deliver(message("k-late"))
    assert (result.status, result.already_posted, result.attempts) == ("delivered", True, 1)
    assert time.monotonic() - started >= 4.0
    assert len(standin.posted_with_key("k-late")) == 1
    assert [c[:2] for c in standin.calls] == [
        ("chat.postMessage", "late_accept"), ("conversations.history", "ok")]


def test_a_wait_beyond_the_budget_is_left_to_a_later_tick_which_finds_the_late_post(
    standin: SlackStandIn, client: WebClient
) -> None:
    standin.fail_next(1, "late_accept", delay=1.0)
    first = notifier(client, late_post_window_seconds=1.5, max_wait_seconds=0.5).deliver(message("k-later"))
    assert (first.status, first.attempts) == ("retry_later", 1)
    assert first.may_land_until is not None
    # The next tick, too early: it neither looks nor posts.
    retry = replace(message("k-later", previous=1), may_land_until=first.may_land_until)
    early = notifier(client, late_post_window_seconds=1.5, max_wait_seconds=0.5).deliver(retry)
    assert (early.status, early.attempts) == ("retry_later", 0)
    assert "may still land" in (early.error or "")
    time.sleep(max(0.0, first.may_land_until - time.time()) + 0.05)
    later = notifier(client).deliver(message("k-later", previous=1))
    assert (later.status, later.already_posted) == ("delivered", True)
    assert len(standin.posted_with_key("k-later")) == 1
    assert [c[:2] for c in standin.calls] == [
        ("chat.postMessage", "late_accept"), ("conversations.history", "ok")]
