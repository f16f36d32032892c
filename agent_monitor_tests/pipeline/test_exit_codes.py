"""convert, ingest and demo --real exit non-zero, saying why, when a non-empty input gave nothing."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
import pytest

from agent_monitor.cli import main

# Two tau2 simulations, each without its `id`: both are rejected, nothing is accepted.
NOTHING_USABLE = {
    "info": {"agent_info": {"llm": "gpt-5"}, "environment_info": {"domain_name": "airline"}},
    "simulations": [{"task_id": "1", "messages": []}, {"task_id": "2", "messages": []}],
}


@pytest.fixture
def bad_file(tmp_path: Path) -> Path:
    path = tmp_path / "gpt-5_airline.json"
    path.write_bytes(orjson.dumps(NOTHING_USABLE))
    return path


def test_convert_exits_1_and_names_the_reason(bad_file: Path, tmp_path: Path,
                                              capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["convert", str(bad_file), "-o", str(tmp_path / "out.jsonl")])
    err = capsys.readouterr().err
    assert code == 1
    assert f"{bad_file}: nothing converted: all 2 item(s) were rejected (missing_field:id×2)" in err


def test_convert_of_a_good_file_exits_0_and_names_the_layout(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "gpt-5_airline.json"
    document = [{"id": "a", "task_id": "1", "reward_info": {"reward": 1.0}, "messages": [
        {"role": "assistant", "content": "Hi", "timestamp": "2025-01-01T00:00"}]}]
    path.write_bytes(orjson.dumps(document))
    assert main(["convert", str(path), "-o", str(tmp_path / "out.jsonl")]) == 0
    assert f"{path}: tau2:list: 4 events, 0 rejected" in capsys.readouterr().err


def test_ingest_exits_1_when_a_file_gave_nothing(bad_file: Path, tmp_path: Path,
                                                 capsys: pytest.CaptureFixture[str]) -> None:
    url = f"sqlite:///{tmp_path / 'w.db'}"
    code = main(["ingest", str(bad_file), "--database-url", url])
    out = capsys.readouterr().out
    assert code == 1
    assert f"{bad_file}: failed: nothing accepted from a non-empty input (2 quarantined" in out
    # Re-delivering the same file is a skip, not a new failure.
    assert main(["ingest", str(bad_file), "--database-url", url]) == 0


def test_demo_real_exits_1_when_nothing_was_accepted(
        bad_file: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setenv("AGENT_MONITOR_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("DAGSTER_HOME", os.environ.get("DAGSTER_HOME", str(tmp_path)))
    code = main(["demo", "--real", str(bad_file)])
    err = capsys.readouterr().err
    assert code == 1
    assert f"agent-monitor demo: {bad_file}: nothing accepted (2 quarantined)" in err
