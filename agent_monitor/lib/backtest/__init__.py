"""Alert backtesting: what a proposed rule configuration would have paged over built history."""

from agent_monitor.lib.backtest.proposal import Proposal
from agent_monitor.lib.backtest.report import markdown_report, text_report
from agent_monitor.lib.backtest.run import BacktestResult, run_backtest

__all__ = ["BacktestResult", "Proposal", "markdown_report", "run_backtest", "text_report"]
