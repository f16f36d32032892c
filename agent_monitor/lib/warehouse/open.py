"""Open a warehouse ready for use: engine created, schema upgraded once per process."""

from __future__ import annotations

import threading

from sqlalchemy import Engine

from agent_monitor.lib.warehouse.connection import create_warehouse_engine, resolve_database_url
from agent_monitor.lib.warehouse.schema import upgrade_schema

_upgraded_urls: set[str] = set()
_upgrade_guard = threading.Lock()


def open_warehouse(url: str | None = None) -> Engine:
    """An engine on `url` (or the configured/default warehouse) with the schema up to date."""
    resolved = resolve_database_url(url)
    engine = create_warehouse_engine(resolved)
    with _upgrade_guard:
        if resolved not in _upgraded_urls:
            upgrade_schema(engine)
            _upgraded_urls.add(resolved)
    return engine
