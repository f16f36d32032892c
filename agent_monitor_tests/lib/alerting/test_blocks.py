"""Block Kit messages: escaping, links, trend, projection, resolved variant and the digest."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from slack_sdk import WebClient

from agent_monitor.lib.alerting.blocks import (
    AlertContext,
    alert_message,
    dagster_partition_url,
    escape,
    sparkline,
)
from agent_monitor.lib.alerting.delivery import OutboundMessage, SlackNotifier
from agent_monitor.lib.alerting.digest import AgentHealth, FiringAlert, digest_message
from agent_monitor.lib.alerting.rules import RuleSet
from agent_monitor.lib.config import LinkSettings
from agent_monitor.lib.slack_standin import SlackStandIn
from agent_monitor_tests.lib.alerting.conftest import CHANNEL

LINKS = LinkSettings(
    dagster_ui_base_url="http://dagster.local:3000/",
    dashboard_url="https://dash.example.com/agents",
    trace_url_template="https://traces.example.com/trace/{trace_id}",
    runbook_url="https://wiki.example.com/runbooks/agents",
)
RULES = RuleSet()


def context(agent: str, **kw: object) -> AlertContext:
    values: dict[str, object] = {
        "kind": "fire", "rule": RULES.for_agent(agent, "m6_recovery_time"),
        "scope_label": agent, "severity": "critical", "value": 420.0, "threshold": 300.0,
        "reason": f"420 s is above the critical threshold 300 s for {agent}",
        "partition_key": "2025-03-01-12:00", "trace_ids": ["t1", "t2", "t3", "t4"],
    }
    values.update(kw)
    return AlertContext(**values)  # type: ignore[arg-type]


def test_escape() -> None:
    assert escape("<!channel> & <@U123>") == "&lt;!channel&gt; &amp; &lt;@U123&gt;"


def test_sparkline_scales_between_min_and_max() -> None:
    # 0 -> lowest bar, 7 -> highest, 3.5 -> round(3.5) = 4 -> "▅", None -> gap
    assert sparkline([0.0, 3.5, None, 7.0]) == "▁▅·█"
    assert sparkline([2.0, 2.0]) == "▅▅"
    assert sparkline([None]) == ""


def test_dagster_partition_url_matches_the_ui_route() -> None:
    assert dagster_partition_url("http://h:3000/", "agent_metrics_hourly", "2025-03-01-12:00") == (
        "http://h:3000/assets/agent_metrics_hourly?view=partitions&partition=2025-03-01-12%3A00"
    )


def test_channel_ping_in_agent_name_is_escaped_in_the_posted_json(
    standin: SlackStandIn, client: WebClient
) -> None:
    msg = alert_message(context("<!channel>"), LINKS)
    result = SlackNotifier(client, CHANNEL).deliver(
        OutboundMessage("k-esc", datetime.now(UTC), msg.text, msg.blocks))
    assert result.status == "delivered"
    posted = json.dumps(standin.messages[0], ensure_ascii=False)
    assert "&lt;!channel&gt;" in posted
    assert "<!channel>" not in posted
    assert standin.messages[0]["text"] == (
        "[CRITICAL] m6_recovery_time on &lt;!channel&gt;: 420 s, above the threshold 300 s")


def test_alert_links_traces_and_runbook() -> None:
    msg = alert_message(context("billing"), LINKS)
    text = json.dumps(msg.blocks)
    assert (
        "<http://dagster.local:3000/assets/agent_metrics_hourly?view=partitions&amp;"
        "partition=2025-03-01-12%3A00|Dagster partition>"
    ) in text
    assert "<https://dash.example.com/agents|Dashboard>" in text
    assert "<https://wiki.example.com/runbooks/agents|Runbook>" in text
    # at most 3 traces: t4 is left out
    assert "trace/t3|t3>" in text and "t4" not in text


def test_predictive_rule_shows_trend_and_projection() -> None:
    rule = RULES.for_agent("billing", "p1_confidence_drift")
    msg = alert_message(context(
        "billing", rule=rule, severity="warning", value=-0.06, threshold=-0.05,
        trend=[0.86, 0.80, 0.74, 0.68], trend_unit="ratio", projected_hours_to_breach=2.5,
    ), LINKS)
    text = json.dumps(msg.blocks, ensure_ascii=False)
    # range 0.68..0.86 = 0.18; bar index = round((v - 0.68) / 0.18 * 7):
    # 0.86 -> 7 █, 0.80 -> 4.67 -> 5 ▆, 0.74 -> 2.33 -> 2 ▃, 0.68 -> 0 ▁
    assert "Trend, last 4 h: `█▆▃▁` 0.860 → 0.680" in text
    assert "Projected to cross the confidence floor 0.70 in about 2.5 h" in text
    assert msg.text == "[WARNING] p1_confidence_drift on billing: -0.060/h, below the threshold -0.050/h"


def test_resolved_variant() -> None:
    msg = alert_message(context("billing", kind="resolve", value=120.0), LINKS)
    assert msg.blocks[0]["text"]["text"] == (
        ":white_check_mark: RESOLVED · Recovery time (MTTR)")
    # 120 s is under the 300 s threshold again: the text says so, not "above".
    assert msg.text == "[RESOLVED] m6_recovery_time on billing: 120 s, back within the threshold 300 s"


def test_digest_orders_worst_first_and_escapes() -> None:
    healthy = AgentHealth("search", {"m4_hallucination_rate": "ok"},
                          values={"m4_hallucination_rate": 0.01},
                          previous_values={"m4_hallucination_rate": 0.015})
    sick = AgentHealth("<!here>", {"m6_recovery_time": "critical", "m4_hallucination_rate": "ok"},
                       values={"m6_recovery_time": 420.0})
    firing = [FiringAlert("m6_recovery_time", "<!here>", "critical",
                          datetime(2025, 3, 1, 8, 0, tzinfo=UTC), 420.0)]
    msg = digest_message(datetime(2025, 3, 1, 9, tzinfo=UTC), datetime(2025, 3, 2, 9, tzinfo=UTC),
                         [healthy, sick], firing, review_backlog=17,
                         dashboard_url="https://dash.example.com")
    text = json.dumps(msg.blocks, ensure_ascii=False)
    assert "<!here>" not in text and "&lt;!here&gt;" in text
    sections = [b["text"]["text"] for b in msg.blocks if b["type"] == "section"]
    assert sections[0].startswith(":red_circle: *&lt;!here&gt;*")
    assert sections[1].startswith(":large_green_circle: *search*")
    # change: 0.010 - 0.015 = -0.005; M6 has no previous value: "new"
    assert ":large_green_circle: M4 0.010 (-0.005)" in sections[1]
    assert ":red_circle: M6 420 s (new)" in sections[0]
    assert sections[2] == "*Incidents in the period*\nNone fired or resolved."
    # firing since 08:00 the day before the period's end 09:00: 25 h
    assert "since 2025-03-01 08:00 UTC, for 25.0 h (420 s)" in sections[3]
    assert "*Review backlog*: 17 pending review items" in sections[4]
    assert msg.text == ("Agent health digest 2025-03-01 09:00 to 2025-03-02 09:00 UTC: "
                        "1 critical, 1 ok; 0 incidents (0 resolved); 1 firing now; 17 pending reviews")


def test_predictive_rule_already_past_the_floor_says_so() -> None:
    rule = RULES.for_agent("billing", "p1_confidence_drift")
    msg = alert_message(context(
        "billing", rule=rule, severity="warning", value=-0.08, threshold=-0.05,
        trend=[0.76, 0.68, 0.60, 0.524], trend_unit="ratio", projected_hours_to_breach=0.0,
    ), LINKS)
    text = json.dumps(msg.blocks, ensure_ascii=False)
    assert "Already below the confidence floor 0.70 (hourly mean 0.524)" in text
    assert "in about 0.0 h" not in text


def test_without_a_trace_template_traces_link_to_the_dashboard_pages() -> None:
    links = LinkSettings(dashboard_url="http://127.0.0.1:8765/index.html")
    msg = alert_message(context("billing", trace_ids=["abc123", "a/b"]), links)
    text = json.dumps(msg.blocks, ensure_ascii=False)
    assert "<http://127.0.0.1:8765/traces/abc123.html|abc123>" in text
    assert "<http://127.0.0.1:8765/traces/trace-" in text  # "a/b" is not a safe file name
