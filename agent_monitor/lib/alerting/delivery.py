"""Slack delivery with retries and an idempotency check, so a message is never posted twice.

Every message carries its idempotency key in Slack message metadata. After any failure that
may have reached Slack (5xx, timeout, dropped connection), and on the first try of an outbox
entry that was attempted before, the notifier reads `conversations.history` for that key
before it posts again. A post that timed out may still be accepted by Slack later, so that
check waits until the post could no longer land: `timeout + late_post_window_seconds` after
it was sent. A wait that does not fit the tick's budget is left to a later tick (the moment
is stored with the outbox row), so a late accept is found, never posted over.
"""

from __future__ import annotations

import copy
import http.client
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal
from urllib.error import URLError

from slack_sdk import WebClient
from slack_sdk.errors import SlackApiError

TOKEN_ENV_VAR = "SLACK_BOT_TOKEN"
METADATA_EVENT_TYPE = "agent_monitor_alert"


class SlackTokenMissing(RuntimeError):
    """SLACK_BOT_TOKEN is not set."""


def client_from_env(base_url: str = "", timeout_seconds: float = 10.0) -> WebClient:
    """A WebClient with the token from SLACK_BOT_TOKEN and no blind built-in retries."""
    token = os.environ.get(TOKEN_ENV_VAR)
    if not token:
        raise SlackTokenMissing(f"{TOKEN_ENV_VAR} is not set; alerts stay in the outbox")
    kwargs: dict[str, Any] = {"base_url": base_url} if base_url else {}
    return WebClient(token=token, timeout=timeout_seconds, retry_handlers=[], **kwargs)  # type: ignore[arg-type]


@dataclass(frozen=True)
class OutboundMessage:
    """One outbox entry ready to send; previous_attempts counts earlier tries (any tick)."""

    idempotency_key: str
    created_at: datetime
    text: str
    blocks: list[dict[str, Any]] = field(default_factory=list)
    previous_attempts: int = 0
    # Wall-clock time (epoch seconds) until which an earlier post may still land in Slack.
    may_land_until: float | None = None


@dataclass(frozen=True)
class DeliveryResult:
    """delivered (with Slack's ts) or retry_later (with a token-free error text)."""

    status: Literal["delivered", "retry_later"]
    attempts: int
    ts: str | None = None
    channel: str | None = None
    error: str | None = None
    already_posted: bool = False
    permanent: bool = False
    # Set when a post of this tick may still land (epoch seconds): the next check waits for it.
    may_land_until: float | None = None


class DeliveryError(Exception):
    """A failed Slack call: token-free text, wait hint, and whether the post may have landed."""

    def __init__(
        self, error: str, delay: float | None = None, *, maybe_posted: bool = False,
        permanent: bool = False, may_land_late: bool = False,
    ) -> None:
        super().__init__(error)
        self.error, self.delay = error, delay
        self.maybe_posted, self.permanent = maybe_posted, permanent
        # No answer came (a timeout): Slack may still be working on the request.
        self.may_land_late = may_land_late


class SlackNotifier:
    """Posts alert messages to one channel (a channel ID) with bounded retries per tick."""

    def __init__(
        self, client: WebClient, channel: str, *, max_attempts: int = 4,
        max_wait_seconds: float = 30.0, backoff_seconds: float = 0.5,
        lookup_skew_seconds: float = 300.0, late_post_window_seconds: float = 30.0,
        sleep: Callable[[float], None] = time.sleep, clock: Callable[[], float] = time.time,
    ) -> None:
        # The notifier owns retries: the SDK's handlers would re-post after a timeout or a
        # dropped connection without checking whether the first post landed.
        self._client = copy.copy(client)
        self._client.retry_handlers = []
        self._token = client.token or ""
        self.channel = channel
        self.max_attempts = max_attempts
        self.max_wait_seconds = max_wait_seconds
        self.backoff_seconds = backoff_seconds
        self.lookup_skew_seconds = lookup_skew_seconds
        self.late_post_window_seconds = late_post_window_seconds
        self._sleep = sleep
        self._clock = clock

    @property
    def timeout_seconds(self) -> float:
        return float(self._client.timeout or 0)

    def landing_deadline(self) -> float:
        """Until when a post sent now could still land (epoch seconds).

        Committed before the send, so a crash mid-send leaves the next tick waiting long
        enough before it looks for the message.
        """
        return self._clock() + self.timeout_seconds + self.late_post_window_seconds

    def deliver(self, message: OutboundMessage) -> DeliveryResult:
        """Post once; retry 429 (after Retry-After), 5xx, timeouts and connection errors."""
        posts, tries, waited = 0, 0, 0.0
        check = message.previous_attempts > 0
        may_land_until = message.may_land_until if check else None
        while True:
            tries += 1
            posting = False
            try:
                if check:
                    wait = (may_land_until or 0.0) - self._clock()
                    if wait > 0:
                        if waited + wait > self.max_wait_seconds:
                            return DeliveryResult(
                                "retry_later", posts, may_land_until=may_land_until,
                                error=f"waiting {wait:.1f} s for a post that may still land before looking for it",
                            )
                        self._sleep(wait)
                        waited += wait
                    found = self.find_posted(message.idempotency_key, message.created_at)
                    if found is not None:
                        return DeliveryResult("delivered", posts, ts=found,
                                              channel=self.channel, already_posted=True)
                    check, may_land_until = False, None
                posts += 1
                posting, sent_at = True, self._clock()
                ts, channel = self._post(message)
                return DeliveryResult("delivered", posts, ts=ts, channel=channel)
            except DeliveryError as failure:
                if posting and failure.may_land_late:
                    deadline = sent_at + self.timeout_seconds + self.late_post_window_seconds
                    may_land_until = max(may_land_until or 0.0, deadline)
                if failure.permanent:
                    return DeliveryResult("retry_later", posts, error=failure.error,
                                          permanent=True, may_land_until=may_land_until)
                check = check or failure.maybe_posted
                delay = failure.delay if failure.delay is not None else self._backoff(tries)
                if tries >= self.max_attempts or waited + delay > self.max_wait_seconds:
                    return DeliveryResult("retry_later", posts, error=failure.error,
                                          may_land_until=may_land_until)
                self._sleep(delay)
                waited += delay

    def _post(self, message: OutboundMessage) -> tuple[str, str]:
        try:
            response = self._client.chat_postMessage(
                channel=self.channel, text=message.text, blocks=message.blocks or None,
                unfurl_links=False, unfurl_media=False,
                metadata={"event_type": METADATA_EVENT_TYPE,
                          "event_payload": {"key": message.idempotency_key}},
            )
        except SlackApiError as exc:
            raise self._api_failure(exc, "") from None
        except (TimeoutError, URLError, OSError, http.client.HTTPException) as exc:
            raise _connection_failure(exc, "") from None
        return str(response["ts"]), str(response.get("channel") or self.channel)

    def find_posted(self, key: str, since: datetime, max_pages: int = 10) -> str | None:
        """The ts of a message in the channel already carrying this key, or None.

        Raises DeliveryError when the history cannot be read.
        """
        oldest = f"{since.timestamp() - self.lookup_skew_seconds:.6f}"
        cursor: str | None = None
        for _ in range(max_pages):
            try:
                page = self._client.conversations_history(
                    channel=self.channel, oldest=oldest, limit=200, cursor=cursor,
                    include_all_metadata=True,
                )
            except SlackApiError as exc:
                raise self._api_failure(exc, "history lookup: ") from None
            except (TimeoutError, URLError, OSError, http.client.HTTPException) as exc:
                raise _connection_failure(exc, "history lookup: ") from None
            for item in page.get("messages") or []:
                metadata = item.get("metadata") or {}
                payload = metadata.get("event_payload") or {}
                if metadata.get("event_type") == METADATA_EVENT_TYPE and payload.get("key") == key:
                    return str(item["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not page.get("has_more") or not cursor:
                return None
        return None

    def _api_failure(self, exc: SlackApiError, prefix: str) -> DeliveryError:
        status = exc.response.status_code
        if status == 429:
            headers = {k.lower(): v for k, v in (exc.response.headers or {}).items()}
            raw = headers.get("retry-after")
            raw = raw[0] if isinstance(raw, list) else raw
            try:
                delay = max(0.0, float(raw)) if raw is not None else 1.0
            except ValueError:
                delay = 1.0
            # A 429 means Slack did not take the request: no need to look before re-posting.
            return DeliveryError(f"{prefix}HTTP 429 rate limited (Retry-After {raw})", delay)
        if status >= 500:
            return DeliveryError(f"{prefix}HTTP {status} from Slack", maybe_posted=True)
        data = exc.response.data if isinstance(exc.response.data, dict) else {}
        text = f"{prefix}HTTP {status}: {data.get('error', 'error')}"
        if self._token:
            text = text.replace(self._token, "***")
        # Bad token, unknown channel, missing scope: retrying now cannot help.
        return DeliveryError(text, permanent=True)

    def _backoff(self, attempts: int) -> float:
        base = self.backoff_seconds * 2 ** (attempts - 1)
        return base * (0.5 + random.random() / 2)


def _connection_failure(exc: BaseException, prefix: str) -> DeliveryError:
    reason = exc.reason if isinstance(exc, URLError) else exc
    if isinstance(reason, ConnectionRefusedError):
        # Nothing reached Slack.
        return DeliveryError(f"{prefix}connection refused")
    if isinstance(reason, TimeoutError):
        return DeliveryError(f"{prefix}timed out waiting for Slack", maybe_posted=True, may_land_late=True)
    return DeliveryError(f"{prefix}connection error: {type(reason).__name__}", maybe_posted=True)
