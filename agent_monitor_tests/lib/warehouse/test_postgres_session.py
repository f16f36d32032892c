"""PostgreSQL connections of the warehouse engine run without JIT compilation."""

from __future__ import annotations

import pytest
from sqlalchemy import text

from agent_monitor.lib.warehouse.open import open_warehouse


@pytest.mark.postgres
def test_postgres_connections_have_jit_off(postgres_url: str) -> None:
    engine = open_warehouse(postgres_url)
    try:
        for _ in range(2):  # the setting holds on a pooled connection used again
            with engine.begin() as connection:
                assert connection.execute(text("SHOW jit")).scalar() == "off"
    finally:
        engine.dispose()
