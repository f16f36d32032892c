"""M1 summed by the database (sql/metrics/m1.sql): an hour worked out by hand, with the cases
that decide which verdict counts and where a response's weight goes."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import Engine

from agent_monitor.lib.ingest.pipeline import ingest_path
from agent_monitor.lib.rollup.calibration import m1_by_hour
from agent_monitor_tests.defs.metrics.harness import set_inclusion
from agent_monitor_tests.events import response, review, write_jsonl

H10 = datetime(2026, 1, 5, 10)
H11 = H10 + timedelta(hours=1)
LATER = "2026-01-06T09:00:00Z"


def _seed(engine: Engine, folder: Path) -> None:
    first = [
        response("a1", "2026-01-05T10:01:00Z", confidence=0.95, agent_version="v1"),
        response("a2", "2026-01-05T10:02:00Z", confidence=1.0, agent_version="v1"),
        response("a3", "2026-01-05T10:03:00Z", confidence=0.31, agent_version="v1"),
        response("a4", "2026-01-05T10:04:00Z", confidence=0.35, agent_version="v1"),
        response("a5", "2026-01-05T10:05:00Z", confidence=0.5, agent_version="v1", deployment="shadow",
                 shadow_of="a4"),
        response("a6", "2026-01-05T10:06:00Z", agent_version="v1"),
        response("a7", "2026-01-05T11:05:00Z", confidence=0.8, agent_version="v1"),
        response("a8", "2026-01-05T11:06:00Z", confidence=1.0, agent_version="v1"),
        response("a9", "2026-01-05T11:07:00Z", confidence=0.92, agent_version="v1"),
        response("b1", "2026-01-05T10:07:00Z", confidence=0.2),
        # a1: a later review overrides the first.
        review("c1", LATER, "a1", "correct"),
        review("c2", "2026-01-06T10:00:00Z", "a1", "incorrect"),
        # a2: two reviews at the same ts in one file; the later line wins, and it says unverifiable.
        review("x1", LATER, "a2", "correct"),
        review("x2", LATER, "a2", "unverifiable"),
        # a3: at the same ts as `aa` below, which arrives in a later ingest and so wins over `zz`
        # although `zz` sorts after it by event_id.
        review("zz", LATER, "a3", "correct"),
        review("v4", LATER, "a4", "correct"),
        review("v5", LATER, "a5", "correct"),  # a shadow response: never an M1 input
        review("v6", LATER, "a6", "correct"),  # no confidence: never an M1 input
        review("v7", LATER, "a7", "correct"),
        review("v8", LATER, "a8", "incorrect"),
        review("v9", LATER, "a9", "correct"),
        review("w1", LATER, "b1", "incorrect"),
    ]
    assert ingest_path(engine, write_jsonl(folder / "first.jsonl", first)).accepted == len(first)
    second = [review("aa", LATER, "a3", "incorrect")]
    assert ingest_path(engine, write_jsonl(folder / "second.jsonl", second)).accepted == 1


def test_m1_sums_of_an_hour_worked_by_hand(warehouse_engine: Engine, tmp_path: Path) -> None:
    _seed(warehouse_engine, tmp_path)
    set_inclusion(warehouse_engine, "a4", H10.replace(minute=4), 0.25)  # w = 4
    with warehouse_engine.connect() as connection:
        m1 = m1_by_hour(connection, H10, H10 + timedelta(hours=2))
    assert set(m1) == {(H10, "billing", "v1"), (H10, "billing", ""), (H11, "billing", "v1")}

    # 10:00 v1: a1 (c .95, incorrect, w 1), a3 (c .31, incorrect, w 1), a4 (c .35, correct, w 4).
    # Σw = 6; Σwc = .95 + .31 + 1.4 = 2.66; Σwy = 4 → mean .44333, accuracy .66667.
    # Bins: 9 holds a1 (|.95 − 0| = .95); 3 holds a3 and a4 (|1.71 − 4| = 2.29) → ECE 3.24 / 6.
    # Brier: (.95² + .31² + 4·.65²) / 6 = (.9025 + .0961 + 1.69) / 6 = 2.6886 / 6.
    v1 = m1[(H10, "billing", "v1")]
    assert v1["n_reviewed"] == 3
    assert v1["m1_weight_sum"] == pytest.approx(6.0)
    assert v1["m1_weighted_confidence_sum"] == pytest.approx(2.66)
    assert v1["m1_weighted_correct_sum"] == pytest.approx(4.0)
    assert v1["m1_weighted_squared_error_sum"] == pytest.approx(2.6886)
    assert v1["m1_ece_gap_sum"] == pytest.approx(3.24)
    assert v1["m1_mean_confidence"] == pytest.approx(2.66 / 6)
    assert v1["m1_accuracy"] == pytest.approx(4 / 6)
    assert v1["m1_signed_gap"] == pytest.approx(2.66 / 6 - 4 / 6)
    assert v1["m1_divergence"] == pytest.approx(4 / 6 - 2.66 / 6)
    assert v1["m1_ece"] == pytest.approx(3.24 / 6)
    assert v1["m1_brier"] == pytest.approx(2.6886 / 6)

    # 10:00, no version: b1 (c .2, incorrect).
    unversioned = m1[(H10, "billing", "")]
    assert (unversioned["n_reviewed"], unversioned["m1_weight_sum"]) == (1, pytest.approx(1.0))
    assert unversioned["m1_divergence"] == pytest.approx(0.2)
    assert unversioned["m1_brier"] == pytest.approx(0.04)
    assert unversioned["m1_ece"] == pytest.approx(0.2)
    # 11:00 v1, in its own hour: a7 (c .8, correct), a8 (c 1.0, incorrect: bin 9, with a9),
    # a9 (c .92, correct). ECE (|.8 − 1| + |1.92 − 1|) / 3; Brier (.04 + 1 + .0064) / 3.
    _assert_eleven(m1[(H11, "billing", "v1")])


def _assert_eleven(eleven: dict[str, float]) -> None:
    assert eleven["n_reviewed"] == 3
    assert eleven["m1_signed_gap"] == pytest.approx(2.72 / 3 - 2 / 3)
    assert eleven["m1_ece"] == pytest.approx(1.12 / 3)
    assert eleven["m1_brier"] == pytest.approx(1.0464 / 3)


def test_m1_of_one_hour_reads_only_that_hour(warehouse_engine: Engine, tmp_path: Path) -> None:
    _seed(warehouse_engine, tmp_path)
    with warehouse_engine.connect() as connection:
        m1 = m1_by_hour(connection, H11, H11 + timedelta(hours=1))
    assert list(m1) == [(H11, "billing", "v1")]
    _assert_eleven(m1[(H11, "billing", "v1")])
