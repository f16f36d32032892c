"""The alert backtest as a Dagster job: run it from the Launchpad with a proposed setting."""

from pathlib import Path

import dagster as dg

from agent_monitor.defs.resources import MonitorSettings, Warehouse
from agent_monitor.lib.backtest import Proposal, markdown_report, run_backtest, text_report
from agent_monitor.lib.generator.clock import parse_utc


class BacktestRunConfig(dg.Config):
    """The rule and the settings to try, the window (UTC, end exclusive), optional ground truth.

    Empty `rule` backtests every rule as configured; an unset threshold, min_samples or
    severity keeps the configured value.
    """

    start: str
    end: str
    rule: str = ""
    threshold: float | None = None
    min_samples: int | None = None
    severity: str | None = None
    ground_truth: str = ""


@dg.op
def run_alert_backtest(
    context: dg.OpExecutionContext, config: BacktestRunConfig, warehouse: Warehouse,
    settings: MonitorSettings,
) -> dg.Output[dict]:
    """Replay the alert rules over built history with the proposed setting; nothing is sent."""
    proposal = Proposal(rule=config.rule or None, threshold=config.threshold,
                        min_samples=config.min_samples, severity=config.severity or None)
    result = run_backtest(
        warehouse.engine, settings.load(), proposal,
        parse_utc(config.start).replace(tzinfo=None), parse_utc(config.end).replace(tzinfo=None),
        ground_truth=Path(config.ground_truth) if config.ground_truth else None,
    )
    context.log.info(text_report(result))
    summary = {
        "episodes": len(result.episodes),
        "paged": len(result.paged),
        "inhibited": sum(1 for e in result.episodes if e.fate == "inhibited"),
        "silenced": sum(1 for e in result.episodes if e.fate == "silenced"),
        "actually_fired": len(result.actual),
    }
    metadata: dict[str, dg.RawMetadataValue] = {
        **{k: dg.MetadataValue.int(v) for k, v in summary.items()},
        "proposed": dg.MetadataValue.text(result.setting),
        "report": dg.MetadataValue.md(markdown_report(result)),
    }
    if result.ground_truth is not None:
        leads = {f"{i.incident.kind} on {', '.join(i.incident.agents)}": i.lead_hours
                 for i in result.incidents}
        metadata["first_page_hours_after_incident_start"] = dg.MetadataValue.json(leads)
    return dg.Output(summary, metadata=metadata)


@dg.job(description=(
    "Backtest alert rules over built history: what a proposed threshold, minimum sample or "
    "severity would have paged, next to what actually fired (same code as the alert sensor)."))
def alert_backtest_job() -> None:
    run_alert_backtest()
