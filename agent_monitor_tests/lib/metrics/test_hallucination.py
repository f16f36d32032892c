import pandas as pd
import pytest

from agent_monitor.lib.metrics.hallucination import hallucination_count
from agent_monitor_tests.lib.metrics.helpers import at, event


def reply(eid: str, **fields) -> dict:
    return event(eid, "agent_response", at(10), agent_id="A", **fields)


ROWS = [
    reply("r1", flags=["hallucination:order_id"]),  # flagged
    reply("r2", flags=["pii"]),  # another validator: not counted
    reply("r3", flags=None, has_hallucination_flag=True),  # flagged
    reply("r4", flags='["hallucination"]'),  # list stored as JSON text: flagged
    reply("r5", flags=["hallucination"], deployment="shadow"),  # shadow: excluded
]


@pytest.mark.parametrize(
    ("rows", "n_responses", "n_flagged", "rate"),
    [
        (ROWS, 4, 3, 0.75),  # r1, r3, r4 of r1–r4 -> 3/4
        (pd.DataFrame(ROWS), 4, 3, 0.75),
        (ROWS[1:2], 1, 0, 0.0),
        (ROWS[4:], 0, 0, None),  # only a shadow: no data
        ([], 0, 0, None),
    ],
)
def test_hallucination_rate(rows, n_responses: int, n_flagged: int, rate: float | None) -> None:
    count = hallucination_count(rows)
    assert (count.n_responses, count.n_flagged, count.rate) == (n_responses, n_flagged, rate)
