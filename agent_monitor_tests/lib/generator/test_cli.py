"""The `generate` subcommand: incident parsing, errors, and a small run."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime
from pathlib import Path

import pytest

from agent_monitor.cli import CommandError
from agent_monitor.cli import generate as generate_cli
from agent_monitor.lib.generator import GROUND_TRUTH_FILE, GroundTruth, IncidentSpec

START = datetime(2026, 1, 5, tzinfo=UTC)


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="agent-monitor")
    generate_cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["generate", *argv])
    return args.func(args)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (
            "cascade:retrieval-agent,billing-agent:22:8",
            IncidentSpec(
                "cascade",
                ("retrieval-agent", "billing-agent"),
                datetime(2026, 1, 5, 22, tzinfo=UTC),
                datetime(2026, 1, 6, 6, tzinfo=UTC),
            ),
        ),
        (
            "hallucination_drift:billing-agent:2026-01-06T16:00Z:1.5",
            IncidentSpec(
                "hallucination_drift",
                ("billing-agent",),
                datetime(2026, 1, 6, 16, tzinfo=UTC),
                datetime(2026, 1, 6, 17, 30, tzinfo=UTC),
            ),
        ),
    ],
)
def test_parse_incident(text: str, expected: IncidentSpec) -> None:
    assert generate_cli.parse_incident(text, START) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("cascade", "expected"),
        ("meltdown:billing-agent:1:2", "unknown kind"),
        ("context_decay:support-chat:1:soon", "not a number"),
        ("context_decay:support-chat:1:0", "positive"),
        ("context_decay:support-chat:noon:2", "not a time"),
    ],
)
def test_parse_incident_rejects(text: str, message: str) -> None:
    with pytest.raises(CommandError, match=message):
        generate_cli.parse_incident(text, START)


def test_run_writes_files_and_ground_truth(tmp_path: Path, capsys: pytest.CaptureFixture) -> None:
    out = tmp_path / "out"
    code = _run(
        "-o",
        str(out),
        "--seed",
        "5",
        "--hours",
        "2",
        "--gzip",
        "--incident",
        "context_decay:support-chat:1:1",
    )
    assert code == 0
    truth = GroundTruth.from_json((out / GROUND_TRUTH_FILE).read_text(encoding="utf-8"))
    assert truth.seed == 5
    assert [(i.kind, i.agents, i.start.hour, i.end.hour) for i in truth.incidents] == [
        ("context_decay", ("support-chat",), 1, 2)
    ]
    assert (out / "events-2026-01-05.jsonl.gz").exists()
    assert "wrote" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["--no-incidents", "--incident", "cascade:a,b:1:1"], "exclude"),
        (["--start", "2026-01-05T00:30Z"], "whole hour"),
        (["--start", "yesterday"], "not a UTC time"),
        (["--incident", "cascade:ghost,billing-agent:1:1"], "unknown agent"),
    ],
)
def test_run_rejects(tmp_path: Path, argv: list[str], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        _run("-o", str(tmp_path / "out"), "--hours", "2", *argv)


def test_no_incidents(tmp_path: Path) -> None:
    assert _run("-o", str(tmp_path / "out"), "--hours", "1", "--no-incidents") == 0
    truth = GroundTruth.from_json((tmp_path / "out" / GROUND_TRUTH_FILE).read_text("utf-8"))
    assert truth.incidents == ()
