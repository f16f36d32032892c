"""The Slack stand-in answers with Slack's shapes: history filtering, metadata, pagination."""

from __future__ import annotations

import pytest
from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

from agent_monitor.lib.slack_standin import SlackStandIn
from agent_monitor_tests.lib.alerting.conftest import CHANNEL


def test_auth_test_and_post_shapes(client: WebClient) -> None:
    assert client.auth_test()["bot_id"] == "B0STANDIN"
    posted = client.chat_postMessage(channel=CHANNEL, text="hi")
    assert posted["ok"] is True and posted["channel"] == CHANNEL
    assert posted["message"]["text"] == "hi" and posted["message"]["ts"] == posted["ts"]


def test_history_hides_metadata_unless_asked_and_paginates(
    standin: SlackStandIn, client: WebClient
) -> None:
    for i in range(3):
        client.chat_postMessage(channel=CHANNEL, text=f"m{i}",
                                metadata={"event_type": "e", "event_payload": {"key": str(i)}})
    plain = client.conversations_history(channel=CHANNEL, limit=2)
    assert [m["text"] for m in plain["messages"]] == ["m2", "m1"]  # newest first
    assert "metadata" not in plain["messages"][0]
    assert plain["has_more"] is True
    rest = client.conversations_history(
        channel=CHANNEL, limit=2, include_all_metadata=True,
        cursor=plain["response_metadata"]["next_cursor"])
    assert [m["metadata"]["event_payload"]["key"] for m in rest["messages"]] == ["0"]
    # `oldest` is exclusive: only messages after the first one's ts
    after = client.conversations_history(channel=CHANNEL, oldest=standin.messages[0]["ts"])
    assert [m["text"] for m in after["messages"]] == ["m2", "m1"]


def test_history_needs_a_channel_id(client: WebClient) -> None:
    client.chat_postMessage(channel="#alerts", text="by name")
    with pytest.raises(SlackApiError) as error:
        client.conversations_history(channel="#alerts")
    assert error.value.response["error"] == "channel_not_found"


def test_failures_apply_to_the_next_n_calls_only(standin: SlackStandIn, client: WebClient) -> None:
    standin.fail_next(2, "server_error")
    for _ in range(2):
        with pytest.raises(SlackApiError) as error:
            client.chat_postMessage(channel=CHANNEL, text="x")
        assert error.value.response.status_code == 500
    assert client.chat_postMessage(channel=CHANNEL, text="x")["ok"] is True
    assert [outcome for _, outcome, _ in standin.calls] == ["server_error", "server_error", "ok"]


def test_hang_drops_the_request_unposted_and_late_accept_posts_it_after_the_delay(
    standin: SlackStandIn, client: WebClient
) -> None:
    import time

    standin.fail_next(1, "hang", delay=0.8)
    with pytest.raises(TimeoutError):
        client.chat_postMessage(channel=CHANNEL, text="hung")  # client timeout 0.5 s
    standin.fail_next(1, "late_accept", delay=0.8)
    with pytest.raises(TimeoutError):
        client.chat_postMessage(channel=CHANNEL, text="late")
    assert standin.messages == []  # nothing yet: the late one lands at 0.8 s
    time.sleep(1.0)
    assert [m["text"] for m in standin.messages] == ["late"]
