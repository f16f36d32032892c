import pytest

from agent_monitor.lib.signals.turns import (
    HourTurns,
    hour_turns,
    session_active_minutes,
    turn_acceleration,
    turn_rate,
)

H = 100 * 3600  # start of an hour in epoch seconds


@pytest.mark.parametrize(
    ("epochs", "hour_start", "expected"),
    [
        ([H, H + 600], None, 10.0),  # 600 s = 10 min
        ([H + 600, H, H + 300], None, 10.0),  # order does not matter
        ([H, H + 30], None, 1.0),  # 0.5 min → at least 1
        ([H + 5], None, 1.0),  # a single event → 1
        ([], None, 0.0),  # no events → not active
        # Crossing both boundaries: only H+120 and H+1320 are inside → 1200 s = 20 min.
        ([H - 600, H + 120, H + 1320, H + 3660], H, 20.0),
        # H + 3600 belongs to the next hour; H is inside → one event → 1 min.
        ([H, H + 3600], H, 1.0),
        ([H - 1, H + 3600], H, 0.0),
    ],
)
def test_session_active_minutes(epochs, hour_start, expected):
    assert session_active_minutes(epochs, hour_start=hour_start) == pytest.approx(expected)


def test_hour_turns_with_sessions_crossing_hours():
    events = [
        # s1: its user turn at H−300 is last hour's; in-hour events H+60..H+660 → 10 min,
        # 1 user turn (H+600).
        ("s1", H - 300, True),
        ("s1", H + 60, False),
        ("s1", H + 600, True),
        ("s1", H + 660, False),
        # s2: H+3000..H+3030 → 0.5 min → 1 min, 1 user turn; H+3600 is next hour's.
        ("s2", H + 3000, True),
        ("s2", H + 3030, False),
        ("s2", H + 3600, True),
        # s3: only in the previous hour → not active.
        ("s3", H - 50, True),
    ]
    got = hour_turns(events, H)
    assert got == HourTurns(user_turns=2, active_minutes=11.0, n_sessions=2)
    # 2 turns / 11 minutes = 0.181818.
    assert turn_rate(got.user_turns, got.active_minutes) == pytest.approx(2 / 11)


@pytest.mark.parametrize(
    ("turns", "minutes", "expected"),
    [(6, 4.0, 1.5), (0, 10.0, 0.0), (0, 0.0, None), (3, 0.0, None)],
)
def test_turn_rate(turns, minutes, expected):
    got = turn_rate(turns, minutes)
    assert got is None if expected is None else got == pytest.approx(expected)


@pytest.mark.parametrize(
    ("current", "previous", "expected"),
    [
        (0.3, [0.2] * 24, 1.5),  # 0.3 / 0.2
        (0.5, [0.1] * 12 + [0.3] * 12, 2.5),  # mean 0.2 → 0.5 / 0.2
        (0.3, [None] * 10 + [0.2] * 24, 1.5),  # hours without data are skipped
        (0.3, [0.2] * 168, 1.5),
        (0.3, [0.2] * 23, None),  # 23 hours < 24
        (0.3, [0.0] * 24, None),  # baseline 0: ratio undefined
        (None, [0.2] * 24, None),
    ],
)
def test_turn_acceleration(current, previous, expected):
    got = turn_acceleration(current, previous)
    assert got is None if expected is None else got == pytest.approx(expected)


def test_turn_acceleration_min_history():
    # 0.4 / mean(0.2, 0.2) = 2.0 with a 2-hour minimum.
    assert turn_acceleration(0.4, [0.2, 0.2], min_history=2) == pytest.approx(2.0)
