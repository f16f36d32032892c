"""Open a warehouse ready for use: engine created, schema upgraded once per process."""

from __future__ import annotations

import threading

from sqlalchemy import Engine
from sqlalchemy import exc as sa_exc

from agent_monitor.lib.warehouse.connection import (
    WarehouseError,
    create_warehouse_engine,
    redact,
    resolve_database_url,
    unreachable_message,
)
from agent_monitor.lib.warehouse.schema import upgrade_schema

_upgraded_urls: set[str] = set()
_upgrade_guard = threading.Lock()


def open_warehouse(url: str | None = None) -> Engine:
    """An engine on `url` (or the configured/default warehouse) with the schema up to date."""
    resolved = resolve_database_url(url)
    engine = create_warehouse_engine(resolved)
    with _upgrade_guard:
        if resolved not in _upgraded_urls:
            try:
                upgrade_schema(engine)
            except (sa_exc.OperationalError, sa_exc.InterfaceError) as error:
                engine.dispose()
                raise WarehouseError(unreachable_message(resolved, error)) from None
            except OSError as error:  # e.g. the SQLite file's folder cannot be written
                engine.dispose()
                raise WarehouseError(f"cannot open the warehouse {redact(resolved)}: {error}") from None
            _upgraded_urls.add(resolved)
    return engine
