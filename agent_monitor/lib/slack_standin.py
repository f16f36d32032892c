"""A Slack Web API stand-in on loopback: records posted messages and injects failures.

Implements `chat.postMessage`, `conversations.history` and `auth.test` with Slack's response
shapes, enough for `slack_sdk.WebClient(base_url=f"http://127.0.0.1:{port}/api/")`.
Run `python -m agent_monitor.lib.slack_standin --port 8765` to watch what would be posted.
"""

from __future__ import annotations

import argparse
import json
import threading
import time
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

# rate_limit: 429 with Retry-After. server_error: 500. disconnect: the connection dropped.
# hang: no answer for `delay` seconds, then the connection dropped; nothing is posted.
# late_accept: no answer for `delay` seconds, then the message is posted (whether or not the
# client is still waiting), as Slack does when it accepts a request after the client's timeout.
# With `process=True` the message is posted first, then the failure happens.
FailureMode = Literal["rate_limit", "server_error", "hang", "late_accept", "disconnect"]
CHANNEL_ID_PREFIXES = ("C", "G", "D")


@dataclass
class _Failure:
    mode: FailureMode
    remaining: int
    retry_after: int
    delay: float
    process: bool
    methods: tuple[str, ...]


@dataclass
class SlackStandIn:
    """The stand-in server; `start()` binds 127.0.0.1 (port 0 picks a free port)."""

    port: int = 0
    token: str | None = None
    on_post: Callable[[dict[str, Any]], None] | None = None
    messages: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, str, float]] = field(default_factory=list)
    _failures: list[_Failure] = field(default_factory=list)
    _channels: dict[str, str] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)
    _stopping: threading.Event = field(default_factory=threading.Event)
    _server: ThreadingHTTPServer | None = None
    _last_ts: float = 0.0

    @property
    def base_url(self) -> str:
        """The `base_url` to give `slack_sdk.WebClient`."""
        return f"http://127.0.0.1:{self.port}/api/"

    def start(self) -> SlackStandIn:
        """Bind and serve in a daemon thread."""
        self._stopping.clear()
        server = ThreadingHTTPServer(("127.0.0.1", self.port), _handler_for(self))
        server.daemon_threads = True
        self._server, self.port = server, server.server_address[1]
        threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True).start()
        return self

    def stop(self) -> None:
        """Stop serving and release the port (hanging requests are abandoned)."""
        self._stopping.set()
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    def __enter__(self) -> SlackStandIn:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def fail_next(
        self, count: int, mode: FailureMode, *, retry_after: int = 1, delay: float = 2.0,
        process: bool = False, methods: Sequence[str] = ("chat.postMessage",),
    ) -> None:
        """Make the next `count` calls of `methods` fail; `process` posts before failing."""
        with self._lock:
            self._failures.append(
                _Failure(mode, count, retry_after, delay, process, tuple(methods))
            )

    def posted_with_key(self, key: str) -> list[dict[str, Any]]:
        """Posted messages whose metadata payload carries this idempotency key."""
        return [m for m in self.messages
                if (m.get("metadata") or {}).get("event_payload", {}).get("key") == key]

    def _take_failure(self, method: str) -> _Failure | None:
        with self._lock:
            for failure in self._failures:
                if method in failure.methods and failure.remaining > 0:
                    failure.remaining -= 1
                    return failure
        return None

    def _channel_id(self, channel: str) -> str:
        if channel.startswith(CHANNEL_ID_PREFIXES) and channel.isupper():
            return channel
        name = channel.lstrip("#")
        return self._channels.setdefault(name, f"C{zlib.crc32(name.encode()):010d}")

    def _next_ts(self) -> str:
        with self._lock:
            self._last_ts = max(time.time(), self._last_ts + 0.000001)
            return f"{self._last_ts:.6f}"

    def post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        """chat.postMessage: record the message and answer as Slack does."""
        channel = str(params.get("channel") or "")
        if not channel:
            return {"ok": False, "error": "channel_not_found"}
        if not params.get("text") and not params.get("blocks"):
            return {"ok": False, "error": "no_text"}
        metadata = params.get("metadata")
        if isinstance(metadata, str):
            metadata = json.loads(metadata)
        blocks = params.get("blocks")
        if isinstance(blocks, str):
            blocks = json.loads(blocks)
        message = {
            "type": "message", "subtype": "bot_message", "user": "U0STANDIN",
            "bot_id": "B0STANDIN", "text": params.get("text", ""), "ts": self._next_ts(),
            "blocks": blocks or [], "metadata": metadata,
            "channel": self._channel_id(channel),
        }
        with self._lock:
            self.messages.append(message)
        if self.on_post is not None:
            self.on_post(message)
        shown = {k: v for k, v in message.items() if k not in ("channel", "metadata")}
        return {"ok": True, "channel": message["channel"], "ts": message["ts"], "message": shown}

    def history(self, params: dict[str, Any]) -> dict[str, Any]:
        """conversations.history: newest first, `oldest` exclusive, cursor pagination."""
        channel = str(params.get("channel") or "")
        if not (channel.startswith(CHANNEL_ID_PREFIXES) and channel.isupper()):
            return {"ok": False, "error": "channel_not_found"}
        oldest = float(params.get("oldest") or 0)
        limit = int(params.get("limit") or 100)
        start = int(str(params.get("cursor") or "0").removeprefix("offset:") or 0)
        with_meta = str(params.get("include_all_metadata", "")).lower() in ("1", "true")
        with self._lock:
            found = [m for m in self.messages
                     if m["channel"] == channel and float(m["ts"]) > oldest]
        found.sort(key=lambda m: float(m["ts"]), reverse=True)
        page = found[start:start + limit]
        more = start + limit < len(found)
        shown = [{k: v for k, v in m.items()
                  if k != "channel" and (with_meta or k != "metadata")} for m in page]
        return {
            "ok": True, "messages": shown, "has_more": more, "pin_count": 0,
            "response_metadata": {"next_cursor": f"offset:{start + limit}" if more else ""},
        }


def _handler_for(standin: SlackStandIn) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
            """Quiet: the stand-in reports through `messages`, `calls` and `on_post`."""

        def do_GET(self) -> None:  # noqa: N802
            self.do_POST()

        def do_POST(self) -> None:  # noqa: N802
            url = urlsplit(self.path)
            method = url.path.rsplit("/", 1)[-1]
            params: dict[str, Any] = dict(parse_qsl(url.query))
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            if "json" in (self.headers.get("Content-Type") or ""):
                params.update(json.loads(body or b"{}"))
            elif body:
                params.update(parse_qsl(body.decode("utf-8")))
            failure = standin._take_failure(method)
            outcome = failure.mode if failure else "ok"
            standin.calls.append((method, outcome, time.monotonic()))
            if failure is not None and failure.process:
                self._answer(method, params, deliver=False)
            if failure is not None and failure.mode == "disconnect":
                self.close_connection = True
                self.connection.close()
                return
            if failure is not None and failure.mode == "late_accept":
                standin._stopping.wait(failure.delay)
                if not failure.process:
                    self._answer(method, params, deliver=True)
                    return
            if failure is not None and failure.mode == "hang":
                standin._stopping.wait(failure.delay)
                if not failure.process:
                    self.close_connection = True
                    self.connection.close()
                    return
            if failure is not None and failure.mode == "rate_limit":
                self._send(429, {"ok": False, "error": "ratelimited"},
                           {"Retry-After": str(failure.retry_after)})
                return
            if failure is not None and failure.mode == "server_error":
                self._send(500, None)
                return
            if failure is not None and failure.process:
                # Already processed above; answer with the recorded message.
                message = standin.messages[-1]
                self._send(200, {"ok": True, "channel": message["channel"], "ts": message["ts"]})
                return
            self._answer(method, params, deliver=True)

        def _answer(self, method: str, params: dict[str, Any], *, deliver: bool) -> None:
            auth = self.headers.get("Authorization") or ""
            token = auth.removeprefix("Bearer ").strip()
            if not token:
                payload: dict[str, Any] = {"ok": False, "error": "not_authed"}
            elif standin.token is not None and token != standin.token:
                payload = {"ok": False, "error": "invalid_auth"}
            elif method == "chat.postMessage":
                payload = standin.post_message(params)
            elif method == "conversations.history":
                payload = standin.history(params)
            elif method == "auth.test":
                payload = {"ok": True, "url": "https://standin.slack.com/", "team": "Stand-in",
                           "user": "agent_monitor", "team_id": "T0STANDIN",
                           "user_id": "U0STANDIN", "bot_id": "B0STANDIN"}
            else:
                payload = {"ok": False, "error": "unknown_method"}
            if deliver:
                self._send(200, payload)

        def _send(self, status: int, payload: dict[str, Any] | None,
                  headers: dict[str, str] | None = None) -> None:
            body = (json.dumps(payload) if payload is not None else "Internal Server Error")
            data = body.encode("utf-8")
            try:
                self.send_response(status)
                kind = "application/json; charset=utf-8" if payload is not None else "text/plain"
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(data)))
                for name, value in (headers or {}).items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(data)
            except (BrokenPipeError, ConnectionResetError):
                pass  # the client gave up (its timeout) before the answer came

    return Handler


def _print_message(message: dict[str, Any]) -> None:
    key = ((message.get("metadata") or {}).get("event_payload") or {}).get("key", "")
    print(f"[{message['ts']}] #{message['channel']} key={key}\n  {message['text']}", flush=True)
    for block in message.get("blocks") or []:
        text = (block.get("text") or {}).get("text") if isinstance(block, dict) else None
        if text:
            print("  | " + text.replace("\n", "\n  | "), flush=True)


def main(argv: Sequence[str] | None = None) -> int:
    """Serve until interrupted, printing every posted message."""
    parser = argparse.ArgumentParser(description="Slack Web API stand-in on 127.0.0.1")
    parser.add_argument("--port", type=int, default=8765)
    args = parser.parse_args(argv)
    standin = SlackStandIn(port=args.port, on_post=_print_message).start()
    print(f"Slack stand-in listening: base_url {standin.base_url}", flush=True)
    try:
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        standin.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
