"""Generated files: reproducible, valid SPEC §1 events, reviews as the sampler would pick."""

from __future__ import annotations

import gzip
import json
from collections import Counter
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from agent_monitor.lib.config import ReviewSettings
from agent_monitor.lib.generator import GROUND_TRUTH_FILE, GeneratorSettings, GroundTruth, generate
from agent_monitor.lib.sampling import inclusion_probability, sampling_u
from agent_monitor_tests.lib.generator.events_io import file_bytes, read_events
from agent_monitor_tests.lib.generator.spec_check import EVENT_TYPES, problems

SMALL = GeneratorSettings(seed=3, hours=6, traffic_scale=0.5)


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, GroundTruth]:
    out = tmp_path_factory.mktemp("small")
    return out, generate(SMALL, out)


@pytest.fixture(scope="module")
def events(small: tuple[Path, GroundTruth]) -> list[dict[str, Any]]:
    return read_events(small[0])


def test_same_settings_give_identical_files(small: tuple[Path, GroundTruth], tmp_path: Path) -> None:
    generate(SMALL, tmp_path / "out")
    assert file_bytes(tmp_path / "out") == file_bytes(small[0])


def test_another_seed_gives_other_files(small: tuple[Path, GroundTruth], tmp_path: Path) -> None:
    generate(GeneratorSettings(seed=4, hours=6, traffic_scale=0.5), tmp_path / "out")
    ours, theirs = file_bytes(tmp_path / "out"), file_bytes(small[0])
    assert ours.keys() == theirs.keys()
    assert all(ours[name] != theirs[name] for name in ours if name.startswith("events-"))


def test_gzip_files_hold_the_same_lines(small: tuple[Path, GroundTruth], tmp_path: Path) -> None:
    first = tmp_path / "first"
    generate(GeneratorSettings(seed=3, hours=6, traffic_scale=0.5, gzip=True), first)
    plain = file_bytes(small[0])
    assert any(name.endswith(".jsonl.gz") for name in file_bytes(first))
    for name, data in file_bytes(first).items():
        if name.endswith(".gz"):
            assert gzip.decompress(data) == plain[name.removesuffix(".gz")]
    again = tmp_path / "again"
    generate(GeneratorSettings(seed=3, hours=6, traffic_scale=0.5, gzip=True), again)
    assert file_bytes(again) == file_bytes(first)


def test_one_file_per_utc_day_sorted_by_ts(small: tuple[Path, GroundTruth]) -> None:
    out, _ = small
    for path in out.glob("events-*.jsonl"):
        day_events = read_events_of(path)
        day = path.name.removeprefix("events-").removesuffix(".jsonl")
        assert all(e["ts"].startswith(day) for e in day_events)
        assert [e["ts"] for e in day_events] == sorted(e["ts"] for e in day_events)


def read_events_of(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines()]


def test_every_event_is_valid_spec_v1(events: list[dict[str, Any]]) -> None:
    bad = [(e.get("event_id"), problems(e)) for e in events if problems(e)]
    assert bad == []
    assert len({e["event_id"] for e in events}) == len(events)
    assert {e["event_type"] for e in events} == EVENT_TYPES  # every type occurs


def test_non_review_events_stay_inside_the_period(events: list[dict[str, Any]]) -> None:
    # 6 hours from 2026-01-05T00:00Z: the last allowed ts is before 06:00
    inside = [e["ts"] for e in events if e["event_type"] != "review"]
    assert min(inside) >= "2026-01-05T00:00:00.000Z"
    assert max(inside) < "2026-01-05T06:00:00.000Z"


def test_responses_carry_the_promised_fields(events: list[dict[str, Any]]) -> None:
    responses = [e for e in events if e["event_type"] == "agent_response"]
    ok = [r for r in responses if r.get("status") == "ok" and r["deployment"] == "primary"]
    assert {r["confidence_source"] for r in ok} == {"self_reported", "logprob"}
    tops = [r["top_logprobs"] for r in ok if "top_logprobs" in r]
    assert tops and all(8 <= len(t) <= 20 and all(3 <= len(p) <= 5 for p in t) for t in tops)
    assert {r["decision"]["path"] for r in ok if "decision" in r} == {
        "approval",
        "routing",
        "compliance",
        "content",
    }
    assert any(r.get("status") == "error" and r.get("error_type") for r in responses)
    assert any("hallucination_unsupported_claim" in r["flags"] for r in ok)
    hashes = Counter(r["input_hash"] for r in responses)
    assert max(hashes.values()) > 1
    assert any(w in r["text"] for r in ok for w in ("I think", "Possibly", "I'm not sure"))
    assert {r["agent_version"] for r in responses if r["agent_id"] == "billing-agent"} >= {
        "b2.0",
        "b2.1",
    }


def test_session_lengths_vary(events: list[dict[str, Any]]) -> None:
    turns: dict[str, int] = {}
    for e in events:
        if e["event_type"] == "user_message":
            turns[e["session_id"]] = max(turns.get(e["session_id"], 0), e["turn"])
    lengths = list(turns.values())
    short = sum(2 <= n <= 15 for n in lengths)
    assert short / len(lengths) > 0.8
    assert max(lengths) > 70


def test_shadows_mirror_a_primary_with_the_same_decision(events: list[dict[str, Any]]) -> None:
    by_id = {e["event_id"]: e for e in events}
    shadows = [e for e in events if e.get("deployment") == "shadow"]
    assert shadows
    agree = 0
    for shadow in shadows:
        primary = by_id[shadow["shadow_of"]]
        assert primary["deployment"] == "primary" and primary["ts"] < shadow["ts"]
        assert shadow["decision"]["name"] == primary["decision"]["name"]
        agree += shadow["decision"]["value"] == primary["decision"]["value"]
    # SHADOW_AGREEMENT is 0.95; a few hundred pairs stay well above 0.85
    assert agree / len(shadows) > 0.85


def test_reviews_are_exactly_the_sampled_primary_responses(events: list[dict[str, Any]]) -> None:
    by_id = {e["event_id"]: e for e in events}
    disagreeing = {
        e["shadow_of"]
        for e in events
        if e.get("deployment") == "shadow" and e["decision"]["value"] != by_id[e["shadow_of"]]["decision"]["value"]
    }
    settings = ReviewSettings()
    sampled = set()
    for e in events:
        if e["event_type"] != "agent_response" or e["deployment"] != "primary":
            continue
        if e["status"] != "ok":
            continue
        pi = inclusion_probability(
            settings,
            confidence=e["confidence"],
            decision_path=e["decision"]["path"] if "decision" in e else None,
            shadow_disagreement=e["event_id"] in disagreeing,
            has_flags=bool(e["flags"]),
        ).probability
        if sampling_u(settings.salt, e["event_id"]) < pi:
            sampled.add(e["event_id"])
    reviews = [e for e in events if e["event_type"] == "review"]
    assert {r["target_event_id"] for r in reviews} == sampled
    for review in reviews:
        target = datetime.fromisoformat(by_id[review["target_event_id"]]["ts"])
        delay_h = (datetime.fromisoformat(review["ts"]) - target).total_seconds() / 3600
        assert 1 <= delay_h <= 48


def test_workflows_have_every_status(events: list[dict[str, Any]]) -> None:
    runs = [e for e in events if e["event_type"] == "workflow_run"]
    assert {r["status"] for r in runs} >= {"started", "completed", "failed"}
    steps = [e for e in events if e["event_type"] == "workflow_step"]
    assert {s["status"] for s in steps} >= {"succeeded", "failed", "timed_out"}
    ended = {r["workflow_run_id"] for r in runs if r["status"] != "started"}
    started = {r["workflow_run_id"] for r in runs if r["status"] == "started"}
    assert ended <= started


def test_ground_truth_file_round_trips(small: tuple[Path, GroundTruth]) -> None:
    out, truth = small
    loaded = GroundTruth.from_json((out / GROUND_TRUTH_FILE).read_text(encoding="utf-8"))
    assert loaded == truth
    assert loaded.start == datetime(2026, 1, 5, tzinfo=UTC)
    assert loaded.end == datetime(2026, 1, 5, 6, tzinfo=UTC)
    # for 6 hours: decay 0–2 h (6·0.08 = 0.48 → 0, 6·0.25 = 1.5 → 2),
    # cascade 2–3 h (1.86 → 2, 2.52 → 3), drift 3–5 h (3.33 → 3, 4.83 → 5)
    assert [(i.kind, i.agents, i.start.hour, i.end.hour) for i in loaded.incidents] == [
        ("context_decay", ("support-chat",), 0, 2),
        ("cascade", ("retrieval-agent", "billing-agent"), 2, 3),
        ("hallucination_drift", ("billing-agent",), 3, 5),
    ]
    assert all(i.expected["rules"] for i in loaded.incidents)
    # every dependency of the default workflows, read off their definitions
    assert set(loaded.edges) == {
        ("triage-router", "retrieval-agent"),
        ("retrieval-agent", "billing-agent"),
        ("retrieval-agent", "support-chat"),
        ("billing-agent", "compliance-agent"),
        ("billing-agent", "support-chat"),
        ("compliance-agent", "support-chat"),
    }
