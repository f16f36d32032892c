"""A Slack stand-in on loopback and a real slack_sdk client pointed at it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk import WebClient

from agent_monitor.lib.slack_standin import SlackStandIn

CHANNEL = "C0ALERTS01"
TOKEN = "xoxb-test-token-123"


@pytest.fixture
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(token=TOKEN) as server:
        yield server


@pytest.fixture
def client(standin: SlackStandIn) -> WebClient:
    # Short timeout so the "hang" failure costs well under a second.
    return WebClient(token=TOKEN, base_url=standin.base_url, timeout=0.5)  # type: ignore[arg-type]
