import math

import pytest

from agent_monitor.lib.signals.entropy import SpikeResult, baseline_spike, response_entropy

LN2 = 0.6931471805599453
L = math.log


@pytest.mark.parametrize(
    ("top", "token", "expected", "source"),
    [
        # Two equal probabilities: H = ln 2 = 0.693147.
        ([[L(0.5), L(0.5)]], None, LN2, "top_logprobs"),
        # [.5, .25, .25]: H = .5·ln2 + 2·.25·ln4 = 1.5·ln2 = 1.039721.
        ([[L(0.5), L(0.25), L(0.25)]], None, 1.5 * LN2, "top_logprobs"),
        # Truncated top-k [.2, .2] (sum .4) is normalised to [.5, .5]: ln 2.
        ([[L(0.2), L(0.2)]], None, LN2, "top_logprobs"),
        # Mean over positions: (ln 2 + 0) / 2 = 0.346574; a single candidate has H = 0.
        ([[L(0.5), L(0.5)], [0.0]], None, LN2 / 2, "top_logprobs"),
        # An empty position is skipped: only the ln 2 position counts.
        ([[L(0.5), L(0.5)], []], None, LN2, "top_logprobs"),
        # A -inf candidate has probability 0 and adds nothing: [.5, .5, 0] → ln 2.
        ([[L(0.5), L(0.5), -math.inf]], None, LN2, "top_logprobs"),
        # top_logprobs wins over token_logprobs when both are present.
        ([[L(0.5), L(0.5)]], [-3.0], LN2, "top_logprobs"),
        # Surprisal: -mean(-0.5, -1.5, -1.0) = 3.0 / 3 = 1.0.
        (None, [-0.5, -1.5, -1.0], 1.0, "token_logprobs"),
        # Empty or all-empty top_logprobs fall back to token_logprobs: -(-2.0) = 2.0.
        ([], [-2.0], 2.0, "token_logprobs"),
        ([[], []], [-2.0], 2.0, "token_logprobs"),
        # Non-finite token logprobs are skipped: -mean(-1.0, -3.0) = 2.0.
        (None, [-1.0, -math.inf, -3.0], 2.0, "token_logprobs"),
        (None, None, None, "none"),
        ([], [], None, "none"),
        ([[]], None, None, "none"),
    ],
)
def test_response_entropy(top, token, expected, source):
    value, got_source = response_entropy(top_logprobs=top, token_logprobs=token)
    assert got_source == source
    if expected is None:
        assert value is None
    else:
        assert value == pytest.approx(expected)


# 12 hours at 1.0 and 12 at 3.0: mean 2.0, every deviation ±1 → Σ(x−mean)² = 24,
# sample variance 24/23 = 1.0434783, std = 1.0215078, threshold = 2 + 2·1.0215078 = 4.0430156.
# (With the population std the threshold would be 4.0, so 4.02 tells them apart.)
HISTORY = [1.0] * 12 + [3.0] * 12
STD = math.sqrt(24 / 23)


@pytest.mark.parametrize(
    ("current", "history", "expected"),
    [
        (4.05, HISTORY, SpikeResult(2.0, STD, 2.0 + 2 * STD, True, 24)),
        (4.02, HISTORY, SpikeResult(2.0, STD, 2.0 + 2 * STD, False, 24)),
        # Hours without data (None) are not history: still 24 values.
        (4.05, [None, *HISTORY, None], SpikeResult(2.0, STD, 2.0 + 2 * STD, True, 24)),
        # No current value: baseline is known, spike is not.
        (None, HISTORY, SpikeResult(2.0, STD, 2.0 + 2 * STD, None, 24)),
        # Constant history: std 0 is no data (SPEC §8), whatever the current value.
        (2.0, [2.0] * 24, SpikeResult(2.0, 0.0, 2.0, None, 24)),
        (2.01, [2.0] * 24, SpikeResult(2.0, 0.0, 2.0, None, 24)),
        # 0.1 has no exact binary form: the mean of 24 × 0.1 is 0.1 up to rounding and the
        # computed std is ~1e-17, still a constant baseline (not z = 1e15).
        (0.2, [0.1] * 24, SpikeResult(0.1, 0.0, 0.1, None, 24)),
        # A tiny but real spread is not constant: mean 1.0005, std sqrt(24·0.0005²/23).
        (1.01, [1.0] * 12 + [1.001] * 12,
         SpikeResult(1.0005, (24 * 0.0005**2 / 23) ** 0.5, 1.0005 + 2 * (24 * 0.0005**2 / 23) ** 0.5,
                     True, 24)),
        # 23 hours < 24: no data.
        (9.0, HISTORY[:23], SpikeResult(None, None, None, None, 23)),
        (9.0, [], SpikeResult(None, None, None, None, 0)),
    ],
)
def test_baseline_spike(current, history, expected):
    result = baseline_spike(current, history)
    assert result.spike is expected.spike
    assert result.n_history == expected.n_history
    for field in ("baseline_mean", "baseline_std", "threshold"):
        want = getattr(expected, field)
        got = getattr(result, field)
        assert got is None if want is None else got == pytest.approx(want)


def test_baseline_spike_parameters():
    # k = 1 → threshold 2 + 1.0215078 = 3.0215; 3.1 spikes. min_history 4 accepts 4 values:
    # [1, 3, 1, 3] mean 2, Σ dev² = 4, sample var 4/3, std 1.1547, threshold (k=2) 4.3094.
    assert baseline_spike(3.1, HISTORY, k=1.0).spike is True
    small = baseline_spike(4.3, [1.0, 3.0, 1.0, 3.0], min_history=4)
    assert small.threshold == pytest.approx(2 + 2 * math.sqrt(4 / 3))
    assert small.spike is False
