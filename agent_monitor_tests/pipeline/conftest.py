"""A warehouse per test module and backend: the real files are ingested and built once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from agent_monitor_tests.conftest import _postgres_schema_url


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def module_warehouse_url(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """Like `warehouse_url` (SQLite file, fresh PostgreSQL schema), shared by a module's tests."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path_factory.mktemp('warehouse') / 'warehouse.db'}"
        return
    yield from _postgres_schema_url()
