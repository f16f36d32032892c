"""The Slack connection: token from SLACK_BOT_TOKEN, base URL and channel from the config."""

import os

import dagster as dg
from slack_sdk import WebClient

from agent_monitor.lib.alerting.delivery import TOKEN_ENV_VAR, SlackNotifier
from agent_monitor.lib.config import MonitorConfig


class Slack(dg.ConfigurableResource):
    """Slack Web API access for alerts and the digest.

    `token` None reads SLACK_BOT_TOKEN when used, so an unset variable means "record alerts,
    do not send" instead of a failure at load (`dg.EnvVar` fails when the variable is unset).
    """

    token: str | None = None
    base_url: str = ""
    channel: str = ""
    timeout_seconds: float = 10.0
    max_attempts_per_tick: int = 4
    max_retry_wait_seconds: float = 30.0
    late_post_window_seconds: float = 30.0

    @classmethod
    def from_config(cls, config: MonitorConfig, channel: str | None = None) -> "Slack":
        """The resource as the config's `slack` section describes it (token from the env)."""
        s = config.slack
        return cls(base_url=s.base_url, channel=channel if channel is not None else s.channel,
                   timeout_seconds=s.timeout_seconds,
                   max_attempts_per_tick=s.max_attempts_per_tick,
                   max_retry_wait_seconds=s.max_retry_wait_seconds,
                   late_post_window_seconds=s.late_post_window_seconds)

    def resolved_token(self) -> str:
        """The token to use ('' when none is set)."""
        return self.token or os.environ.get(TOKEN_ENV_VAR, "")

    def notifier(self) -> tuple[SlackNotifier | None, str | None]:
        """A notifier, or None with the reason why alerts cannot be sent."""
        token = self.resolved_token()
        if not token:
            return None, f"{TOKEN_ENV_VAR} is not set: alert recorded, not sent"
        if not self.channel:
            return None, "slack.channel is not configured: alert recorded, not sent"
        kwargs = {"base_url": self.base_url} if self.base_url else {}
        # urllib takes a float timeout although slack_sdk annotates an int.
        client = WebClient(token=token, timeout=self.timeout_seconds,  # type: ignore[arg-type]
                           retry_handlers=[], **kwargs)
        return SlackNotifier(client, self.channel, max_attempts=self.max_attempts_per_tick,
                             max_wait_seconds=self.max_retry_wait_seconds,
                             late_post_window_seconds=self.late_post_window_seconds), None
