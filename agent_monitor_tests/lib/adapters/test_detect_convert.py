"""Format detection on each kind of file, and byte-identical conversion."""

from __future__ import annotations

import argparse
import gzip
from pathlib import Path

import pytest

from agent_monitor.cli import CommandError, convert
from agent_monitor.lib.adapters.detect import detect_format, iter_source_records
from agent_monitor.lib.adapters.pairing import tau2_primary_for
from agent_monitor_tests.lib.adapters.conftest import OTEL_FIXTURES


def test_detect_real_and_fixture_files(data_dir: Path, tmp_path: Path) -> None:
    assert detect_format(data_dir / "tau-bench" / "gpt-4o-airline.json") == "tau-bench"
    assert detect_format(data_dir / "tau2-bench" / "gpt-4.1_airline.json") == "tau2"
    assert detect_format(data_dir / "tau2-bench" / "gpt-4o_telecom_2025-08-10.json") == "tau2"
    assert detect_format(OTEL_FIXTURES / "multi_agent_workflow.jsonl") == "otel"
    events = tmp_path / "events.jsonl"
    events.write_text('{"event_id": "e1", "event_type": "user_message"}\n')
    assert detect_format(events) == "jsonl"
    assert iter_source_records(events) is None
    # gzip is recognised by its magic bytes, whatever the name says
    packed = tmp_path / "spans.bin"
    packed.write_bytes(gzip.compress((OTEL_FIXTURES / "chat_conversation.jsonl").read_bytes()))
    assert detect_format(packed) == "otel"


def test_tau2_pairs_by_folder(data_dir: Path) -> None:
    folder = data_dir / "tau2-bench"
    assert tau2_primary_for(folder / "gpt-4.1-finetuned_telecom_no-user.json") == (
        folder / "gpt-4.1_telecom_no-user.json")
    assert tau2_primary_for(folder / "gpt-4.1_airline.json") is None
    assert tau2_primary_for(folder / "gpt-4o_telecom_2025-08-10.json") is None


def test_broken_document_becomes_one_reject(tmp_path: Path) -> None:
    broken = tmp_path / "broken.json"
    broken.write_text('[{"task_id": 0, "traj": [')
    records = list(iter_source_records(broken) or [])
    assert [(r.location, r.reject_reason) for r in records] == [(1, "bad_json")]


def _convert(inputs: list[Path], output: Path, fmt: str = "auto") -> int:
    parser = argparse.ArgumentParser()
    convert.register(parser.add_subparsers())
    args = parser.parse_args(["convert", *map(str, inputs), "--from", fmt, "-o", str(output)])
    return args.func(args)


def test_convert_twice_gives_identical_bytes(data_dir: Path, tmp_path: Path, capsys) -> None:
    inputs = [
        data_dir / "tau2-bench" / "gpt-4.1-finetuned_airline.json",
        data_dir / "tau-bench" / "gpt-4o-airline.json",
        OTEL_FIXTURES / "multi_agent_workflow.jsonl",
        OTEL_FIXTURES / "malformed_spans.jsonl",
    ]
    for name in ("a.jsonl", "b.jsonl", "a.jsonl.gz", "b.jsonl.gz"):
        assert _convert(inputs, tmp_path / name) == 0
    assert (tmp_path / "a.jsonl").read_bytes() == (tmp_path / "b.jsonl").read_bytes()
    assert (tmp_path / "a.jsonl.gz").read_bytes() == (tmp_path / "b.jsonl.gz").read_bytes()
    assert gzip.decompress((tmp_path / "a.jsonl.gz").read_bytes()) == (
        tmp_path / "a.jsonl").read_bytes()
    # 595 (tau2 fine-tuned airline) + 5556 (tau-bench) + 12 (workflow) + 2 (malformed file),
    # plus one conversation step per run (20 tau2 simulations, 200 tau-bench trajectories)
    assert len((tmp_path / "a.jsonl").read_bytes().splitlines()) == 595 + 20 + 5556 + 200 + 12 + 2
    err = capsys.readouterr().err
    assert "malformed_spans.jsonl:1: missing_field:traceId" in err
    assert "malformed_spans.jsonl: otel: 2 events, 8 rejected" in err


def test_convert_refuses_event_jsonl(tmp_path: Path) -> None:
    events = tmp_path / "events.jsonl"
    events.write_text('{"event_id": "e1"}\n')
    with pytest.raises(CommandError):
        _convert([events], tmp_path / "out.jsonl")
