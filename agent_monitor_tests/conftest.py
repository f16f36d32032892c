"""Shared fixtures: a fresh warehouse on SQLite and on PostgreSQL for each test."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, text

from agent_monitor.lib.warehouse.connection import schema_scoped_url
from agent_monitor.lib.warehouse.open import open_warehouse

PROJECT_ROOT = Path(__file__).resolve().parents[1]
SHARED_DATA = PROJECT_ROOT / ".." / "shared" / "data"

POSTGRES_URL = os.environ.get(
    "AGENT_MONITOR_TEST_POSTGRES_URL", "postgresql+psycopg2://postgres@127.0.0.1:5432/test"
)
# PostgreSQL tests fail when the server is unreachable; set this to skip them instead.
SKIP_POSTGRES = os.environ.get("AGENT_MONITOR_SKIP_POSTGRES") == "1"


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def warehouse_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A URL of an empty warehouse: a SQLite file, or a fresh schema on PostgreSQL."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'warehouse.db'}"
        return
    yield from _postgres_schema_url()


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A URL of an empty PostgreSQL schema (for tests that only make sense there)."""
    yield from _postgres_schema_url()


@pytest.fixture
def other_postgres_url() -> Iterator[str]:
    """A second empty PostgreSQL schema in the same database, beside `postgres_url`."""
    yield from _postgres_schema_url()


def _postgres_schema_url() -> Iterator[str]:
    if SKIP_POSTGRES:
        pytest.skip("AGENT_MONITOR_SKIP_POSTGRES=1")
    schema = f"t_{uuid.uuid4().hex[:12]}"
    admin = create_engine(POSTGRES_URL)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as error:  # noqa: BLE001
        admin.dispose()
        pytest.fail(f"PostgreSQL at {POSTGRES_URL} is required and unreachable: {error}")
    try:
        yield schema_scoped_url(POSTGRES_URL, schema)
    finally:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def warehouse_engine(warehouse_url: str) -> Iterator[Engine]:
    """An engine on a fresh warehouse with the schema created."""
    engine = open_warehouse(warehouse_url)
    yield engine
    engine.dispose()


@pytest.fixture(autouse=True)
def isolated_environment(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """No test reads the developer's config, warehouse or Dagster home by accident."""
    monkeypatch.setenv("AGENT_MONITOR_HOME", str(tmp_path / "home"))
    monkeypatch.delenv("AGENT_MONITOR_DATABASE_URL", raising=False)
    empty_config = tmp_path / "empty_config.yaml"
    empty_config.write_text("{}\n")
    monkeypatch.setenv("AGENT_MONITOR_CONFIG", str(empty_config))
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
