import pytest

from agent_monitor.lib.metrics.rates import ratio


@pytest.mark.parametrize(
    ("num", "den", "expected"),
    [
        (1, 2, 0.5),
        (0, 5, 0.0),  # a real zero: there was data
        (0, 0, None),  # no data is None, never 0
        (3, 0, None),
        (2.5, 0.5, 5.0),
    ],
)
def test_ratio(num: float, den: float, expected: float | None) -> None:
    assert ratio(num, den) == expected
