"""Create the warehouse schema, and upgrade an existing one in place without data loss.

Every table is declared on one MetaData in a `tables_*.py` module of this package. On
start-up the tool creates missing tables and indexes and adds columns that an older
warehouse lacks (`ALTER TABLE … ADD COLUMN`, nullable), so a later release can add columns
to an existing warehouse. A column added that way is filled for the rows already there by
`sql/migrations/<table>.<column>.sql` when that file exists (e.g. a review's `target_ts`).
An index replaced by another is named in its table's `info["retired_indexes"]` and dropped
once the replacement exists. Renames and type changes of columns are not automatic: they need
an explicit step of their own.
"""

from __future__ import annotations

import fcntl
import importlib
import pkgutil
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Column, Engine, Index, Table, inspect, text
from sqlalchemy.schema import CreateIndex, CreateTable

import agent_monitor.lib.warehouse as warehouse_package
from agent_monitor.lib.warehouse.metadata import metadata

MIGRATIONS = Path(__file__).resolve().parents[3] / "sql" / "migrations"

# Serialises concurrent upgrades (sensor ticks and runs starting together) on PostgreSQL.
_UPGRADE_LOCK_KEY = 0x61676D6F6E  # "agmon"


def load_table_modules() -> None:
    """Import every `tables_*` module so that `metadata` knows every table."""
    for module in pkgutil.iter_modules(warehouse_package.__path__):
        if module.name.startswith("tables_"):
            importlib.import_module(f"{warehouse_package.__name__}.{module.name}")


def upgrade_schema(engine: Engine) -> list[str]:
    """Bring the warehouse up to the declared schema; returns the DDL changes made."""
    load_table_modules()
    changes: list[str] = []
    with _upgrade_lock(engine):
        existing = set(inspect(engine).get_table_names())
        missing_tables = [t for t in metadata.sorted_tables if t.name not in existing]
        if missing_tables:
            _create_tables(engine, missing_tables)
            changes += [f"create table {t.name}" for t in missing_tables]
        inspector = inspect(engine)
        for table in metadata.sorted_tables:
            if table.name not in existing:
                continue
            present = {c["name"] for c in inspector.get_columns(table.name)}
            for column in table.columns:
                if column.name not in present:
                    _add_column(engine, table.name, column)
                    changes.append(f"add column {table.name}.{column.name}")
                    if _fill_column(engine, table.name, column.name):
                        changes.append(f"fill column {table.name}.{column.name}")
            indexes = {i["name"] for i in inspector.get_indexes(table.name)}
            for index in _in_name_order(table):
                if index.name not in indexes:
                    with engine.begin() as connection:
                        connection.execute(CreateIndex(index))
                    changes.append(f"create index {index.name}")
            for name in table.info.get("retired_indexes", ()):
                if name in indexes:
                    _drop_index(engine, name)
                    changes.append(f"drop index {name}")
    return changes


def _create_tables(engine: Engine, tables: list[Table]) -> None:
    """Each table, then its indexes in name order. SQLite, which keeps no statistics here,
    breaks ties between equally good indexes by their creation order; `metadata.create_all`
    creates them in a set's order, which differs from one process to the next."""
    with engine.begin() as connection:
        for table in tables:
            connection.execute(CreateTable(table))
            for index in _in_name_order(table):
                connection.execute(CreateIndex(index))


def _in_name_order(table: Table) -> list[Index]:
    """A table's declared indexes (a set) in a fixed order: by name."""
    return sorted(table.indexes, key=lambda index: index.name or "")


def _drop_index(engine: Engine, name: str) -> None:
    """An index that a declared one replaced (dropped after its replacement is created)."""
    with engine.begin() as connection:
        connection.execute(text(f"DROP INDEX IF EXISTS {engine.dialect.identifier_preparer.quote(name)}"))


def _add_column(engine: Engine, table_name: str, column: Column) -> None:
    column_type = column.type.compile(dialect=engine.dialect)
    preparer = engine.dialect.identifier_preparer
    statement = (
        f"ALTER TABLE {preparer.quote(table_name)} "
        f"ADD COLUMN {preparer.quote(column.name)} {column_type}"
    )
    with engine.begin() as connection:
        connection.execute(text(statement))


def _fill_column(engine: Engine, table_name: str, column_name: str) -> bool:
    """Run the column's fill step (sql/migrations/<table>.<column>.sql) if it has one."""
    step = MIGRATIONS / f"{table_name}.{column_name}.sql"
    if not step.is_file():
        return False
    with engine.begin() as connection:
        connection.execute(text(step.read_text(encoding="utf-8")))
    return True


@contextmanager
def _upgrade_lock(engine: Engine) -> Iterator[None]:
    """One schema upgrade at a time: an advisory lock on PostgreSQL, a file lock on SQLite.

    Without it, processes opening a fresh SQLite warehouse together each see the tables
    missing and all but one fail with "table … already exists".
    """
    if engine.dialect.name == "sqlite":
        database = engine.url.database
        if not database or database == ":memory:":
            yield
            return
        with Path(database + ".schema.lock").open("a") as handle:
            fcntl.flock(handle, fcntl.LOCK_EX)
            try:
                yield
            finally:
                fcntl.flock(handle, fcntl.LOCK_UN)
        return
    if engine.dialect.name != "postgresql":
        yield
        return
    with engine.connect() as connection:
        connection.execute(text("SELECT pg_advisory_lock(:key)"), {"key": _UPGRADE_LOCK_KEY})
        connection.commit()
        try:
            yield
        finally:
            connection.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": _UPGRADE_LOCK_KEY})
            connection.commit()
