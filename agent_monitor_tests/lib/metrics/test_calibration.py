import pytest

from agent_monitor.lib.metrics.calibration import (
    bin_index,
    calibration_summary,
    merge_summaries,
    reviewed_responses,
    summarise_reviewed,
)
from agent_monitor_tests.lib.metrics.helpers import at, event

CONF = [0.9, 0.95, 0.3, 1.0]
CORRECT = [True, False, True, True]


@pytest.mark.parametrize(
    ("weights", "expected"),
    [
        (
            None,
            # W = 4; Σwc = 0.9+0.95+0.3+1.0 = 3.15; Σwy = 3
            # mean = 3.15/4 = 0.7875; accuracy = 0.75; gap = +0.0375
            # bin [0.9,1.0]: 0.9, 0.95, 1.0 -> |2.85 − 2| = 0.85
            # bin [0.3,0.4): 0.3 -> |0.3 − 1| = 0.7
            # ECE = (0.85 + 0.7)/4 = 0.3875
            # Brier = (0.1² + 0.95² + 0.7² + 0²)/4 = (0.01 + 0.9025 + 0.49)/4 = 0.350625
            dict(
                sum_weights=4.0,
                mean_confidence=0.7875,
                accuracy=0.75,
                signed_gap=0.0375,
                divergence=0.0375,
                ece=0.3875,
                brier=0.350625,
            ),
        ),
        (
            [1.0, 1.0, 4.0, 1.0],  # π = 1, 1, 0.25, 1
            # W = 7; Σwc = 0.9+0.95+1.2+1.0 = 4.05; Σwy = 1+0+4+1 = 6
            # mean = 4.05/7; accuracy = 6/7; gap = −1.95/7 (underconfident)
            # ECE = (|2.85 − 2| + |1.2 − 4|)/7 = (0.85 + 2.8)/7 = 3.65/7
            # Brier = (0.01 + 0.9025 + 4·0.49 + 0)/7 = 2.8725/7
            dict(
                sum_weights=7.0,
                mean_confidence=4.05 / 7,
                accuracy=6 / 7,
                signed_gap=-1.95 / 7,
                divergence=1.95 / 7,
                ece=3.65 / 7,
                brier=2.8725 / 7,
            ),
        ),
    ],
)
def test_calibration_four_responses(weights: list[float] | None, expected: dict) -> None:
    summary = calibration_summary(CONF, CORRECT, weights)
    assert summary.n_reviewed == 4
    for name, value in expected.items():
        assert getattr(summary, name) == pytest.approx(value), name


@pytest.mark.parametrize(
    ("weights", "mean_confidence", "accuracy"),
    [
        ([1.0, 1.0], 0.5, 0.5),  # (0.2 + 0.8)/2; 1/2
        ([1.0, 3.0], 0.65, 0.75),  # (0.2 + 3·0.8)/4 = 2.6/4; 3/4
        ([3.0, 1.0], 0.35, 0.25),  # (3·0.2 + 0.8)/4 = 1.4/4; 1/4
    ],
)
def test_weights_change_the_mean(
    weights: list[float], mean_confidence: float, accuracy: float
) -> None:
    summary = calibration_summary([0.2, 0.8], [False, True], weights)
    assert summary.mean_confidence == pytest.approx(mean_confidence)
    assert summary.accuracy == pytest.approx(accuracy)


def test_empty_is_no_data() -> None:
    summary = calibration_summary([], [], [])
    assert summary.n_reviewed == 0
    assert summary.sum_weights == 0
    assert (summary.mean_confidence, summary.accuracy, summary.divergence) == (None, None, None)
    assert (summary.signed_gap, summary.ece, summary.brier) == (None, None, None)


@pytest.mark.parametrize(
    ("confidence", "expected_bin"),
    [(0.0, 0), (0.0999, 0), (0.1, 1), (0.3, 3), (0.5, 5), (0.7, 7), (0.9, 9), (0.99, 9), (1.0, 9)],
)
def test_bin_edges(confidence: float, expected_bin: int) -> None:
    assert bin_index(confidence) == expected_bin


def test_merging_halves_equals_the_whole() -> None:
    whole = calibration_summary(CONF, CORRECT)
    merged = merge_summaries(
        [calibration_summary(CONF[:2], CORRECT[:2]), calibration_summary(CONF[2:], CORRECT[2:])]
    )
    assert merged.n_reviewed == 4
    # ECE 0.3875 and Brier 0.350625 as in the four-response case above
    assert merged.ece == pytest.approx(0.3875)
    assert merged.brier == pytest.approx(0.350625)
    assert merged.mean_confidence == pytest.approx(whole.mean_confidence)


@pytest.mark.parametrize(
    ("confidences", "correct", "weights"),
    [([0.5], [True, False], [1.0]), ([1.2], [True], [1.0]), ([0.5], [True], [0.0])],
)
def test_bad_input_is_rejected(
    confidences: list[float], correct: list[bool], weights: list[float]
) -> None:
    with pytest.raises(ValueError):
        calibration_summary(confidences, correct, weights)


def test_reviewed_responses_join_latest_verdict_and_weight() -> None:
    responses = [
        event("r1", "agent_response", at(10, 1), agent_id="a", confidence=0.9),
        event("r2", "agent_response", at(10, 2), agent_id="a", confidence=0.8, deployment="shadow"),
        event("r3", "agent_response", at(10, 3), agent_id="a", confidence=0.7),
        event("r4", "agent_response", at(10, 4), agent_id="a", confidence=0.6),
        event("r5", "agent_response", at(10, 5), agent_id="a", confidence=0.5),
        event("r6", "agent_response", at(10, 6), agent_id="a", confidence=None),
    ]
    reviews = [
        event("v1", "review", at(12), target_event_id="r1", verdict="incorrect"),
        event("v2", "review", at(12), target_event_id="r2", verdict="correct"),
        event("v3a", "review", at(12), target_event_id="r3", verdict="correct"),
        event("v3b", "review", at(13), target_event_id="r3", verdict="unverifiable"),
        event("v4b", "review", at(14), target_event_id="r4", verdict="correct"),
        event("v4a", "review", at(13), target_event_id="r4", verdict="incorrect"),
        event("v6", "review", at(12), target_event_id="r6", verdict="correct"),
    ]
    items = reviewed_responses(responses, reviews, {"r1": 0.25})
    # r2 shadow, r3 latest verdict unverifiable, r5 unreviewed, r6 no confidence: all out.
    # r1: π = 0.25 -> w = 4; r4: latest (14:00) verdict correct, not in the queue -> w = 1
    assert [(i.event_id, i.correct, i.weight) for i in items] == [
        ("r1", False, 4.0),
        ("r4", True, 1.0),
    ]
    # mean = (4·0.9 + 0.6)/5 = 0.84; accuracy = 1/5 = 0.2
    summary = summarise_reviewed(items)
    assert summary.mean_confidence == pytest.approx(0.84)
    assert summary.accuracy == pytest.approx(0.2)
