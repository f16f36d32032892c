from datetime import UTC, datetime, timedelta

import pytest

from agent_monitor.lib.signals.drift import confidence_drift

# Hours 0..5 at [0.90, 0.88, 0.85, 0.80, 0.76, 0.70], 25 responses each:
# mean x = 2.5, mean y = 4.89 / 6 = 0.815; Sxx = 2·(6.25 + 2.25 + 0.25) = 17.5
# dy = [.085, .065, .035, -.015, -.055, -.115]
# Sxy = -.2125 - .0975 - .0175 - .0075 - .0825 - .2875 = -0.705
# slope = -0.705 / 17.5 = -141/3500 = -0.0402857; intercept = 0.815 + 2.5·0.0402857 = 0.9157143
# fitted at hour 5 = 0.9157143 - 5·0.0402857 = 0.7142857 = 0.7 + 1/70
# hours to breach = (1/70) / (141/3500) = 50/141 = 0.3546099
STEEP = [(h, y, 25) for h, y in enumerate([0.90, 0.88, 0.85, 0.80, 0.76, 0.70])]

# Hours 1 and 4 have 5 and 19 responses and are skipped; used x = 0, 2, 3, 5,
# y = .90, .86, .84, .80: mean x = 2.5, mean y = 0.85, dx = [-2.5, -.5, .5, 2.5],
# dy = [.05, .01, -.01, -.05], Sxy = -.125 - .005 - .005 - .125 = -0.26, Sxx = 13
# slope = -0.02, intercept = 0.85 + 0.05 = 0.90, fitted at 5 = 0.80, breach = 0.10 / 0.02 = 5 h
SPARSE = [(0, 0.90, 30), (1, 0.50, 5), (2, 0.86, 30), (3, 0.84, 30), (4, 0.50, 19), (5, 0.80, 30)]

# Hours 0-1 at 0.2 fall outside the 6-hour window ending at hour 7; hours 2..7 go
# 0.95 → 0.90 by 0.01: slope -0.01, fitted at 7 = 0.90, breach = 0.20 / 0.01 = 20 h
WINDOWED = [(0, 0.2, 50), (1, 0.2, 50)] + [(h, 0.95 - 0.01 * (h - 2), 50) for h in range(2, 8)]


@pytest.mark.parametrize(
    ("hourly", "slope", "intercept", "n_used", "breach"),
    [
        (STEEP, -141 / 3500, 0.815 + 2.5 * 141 / 3500, 6, 50 / 141),
        (SPARSE, -0.02, 0.90, 4, 5.0),
        (WINDOWED, -0.01, 0.97, 6, 20.0),  # intercept: 0.95 at x=2 → 0.97 at x=0
        # Fitted at hour 3 = 0.66 <= 0.7: already breached → 0 hours.
        ([(h, 0.72 - 0.02 * h, 20) for h in range(4)], -0.02, 0.72, 4, 0.0),
        # Rising: slope +0.02, never reaches the floor from above → None.
        ([(h, 0.80 + 0.02 * h, 20) for h in range(4)], 0.02, 0.80, 4, None),
        # Flat at 0.9: slope 0 → None.
        ([(h, 0.9, 20) for h in range(5)], 0.0, 0.9, 5, None),
    ],
)
def test_confidence_drift(hourly, slope, intercept, n_used, breach):
    result = confidence_drift(hourly)
    assert result.slope_per_hour == pytest.approx(slope, abs=1e-12)
    assert result.intercept == pytest.approx(intercept)
    assert result.n_hours_used == n_used
    if breach is None:
        assert result.projected_hours_to_breach is None
    else:
        assert result.projected_hours_to_breach == pytest.approx(breach)


@pytest.mark.parametrize(
    ("hourly", "n_used"),
    [
        ([], 0),
        # Only 3 hours reach 20 responses.
        ([(0, 0.9, 20), (1, 0.8, 19), (2, 0.7, 20), (3, 0.6, 25)], 3),
        # A missing mean (no data) never counts.
        ([(0, 0.9, 20), (1, None, 40), (2, 0.7, 20), (3, 0.6, 25)], 3),
    ],
)
def test_confidence_drift_too_few_hours(hourly, n_used):
    result = confidence_drift(hourly)
    assert result == type(result)(None, n_used, None, None)


def test_confidence_drift_current_hour_moves_window_and_breach():
    # Window ends at hour 9: hours 4..9 → only hours 4 and 5 of SPARSE (4 has 19 responses),
    # so 1 usable hour → no slope.
    assert confidence_drift(SPARSE, current_hour=9).n_hours_used == 1
    # current_hour = 6 keeps hours 1..6 → x = 2, 3, 5: 3 hours < 4 → None.
    assert confidence_drift(SPARSE, current_hour=6).slope_per_hour is None


def test_confidence_drift_floor_parameter():
    # SPARSE line: fitted at 5 = 0.80, slope -0.02 → floor 0.5 is 0.30 / 0.02 = 15 h away.
    assert confidence_drift(SPARSE, floor=0.5).projected_hours_to_breach == pytest.approx(15.0)


def test_confidence_drift_epoch_seconds_and_datetimes():
    start = 472222 * 3600  # an exact hour boundary in epoch seconds
    as_epochs = [(start + 3600 * h, y, n) for h, y, n in SPARSE]
    base = datetime(2024, 5, 1, tzinfo=UTC)
    as_datetimes = [(base + timedelta(hours=h), y, n) for h, y, n in SPARSE]
    for result in (
        confidence_drift(as_epochs, epoch_seconds=True),
        confidence_drift(as_datetimes),
    ):
        # Same points as SPARSE shifted on the x axis: slope -0.02, breach 5 h.
        assert result.slope_per_hour == pytest.approx(-0.02)
        assert result.projected_hours_to_breach == pytest.approx(5.0)
        assert result.n_hours_used == 4


def test_confidence_drift_rejects_duplicate_hours():
    with pytest.raises(ValueError, match="once"):
        confidence_drift([(0, 0.9, 20), (0, 0.8, 20), (1, 0.8, 20), (2, 0.7, 20)])
