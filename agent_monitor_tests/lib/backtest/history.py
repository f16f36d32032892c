"""A hand-made built history for backtests: billing's M4 rate hour by hour."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from sqlalchemy import Engine

from agent_monitor_tests.defs.signals.seed import DAY0, HOUR, seed_metrics

# billing, hours 0..11 of DAY0, 200 primary responses each; flagged responses per hour.
# Rates: 0.010 everywhere except hour 2 (0.025), hours 5–6 (0.050, 0.060), hour 9 (0.035).
FLAGGED = {2: 5, 5: 10, 6: 12, 9: 7}
HOURS = 12
TICK = timedelta(hours=1, minutes=5)  # each hour's replayed tick: 5 min after it ends


def at(hour: int) -> Any:
    return DAY0 + HOUR * hour


def seed_m4_history(engine: Engine) -> None:
    seed_metrics(engine, [
        {"hour": at(h), "agent_id": "billing", "n_responses": 200,
         "n_hallucination_flagged": FLAGGED.get(h, 2)}
        for h in range(HOURS)
    ])
