"""Bulk writes of table rows: COPY on PostgreSQL, one prepared executemany on SQLite.

Used for `raw_events` at ingestion and for the rows the hourly assets write. Both paths
store exactly what a SQLAlchemy insert of the same rows stores: a Python None in a JSON
column becomes the JSON value `null` (SQLAlchemy's default for JSON types), datetimes use
SQLAlchemy's SQLite text format, booleans are 1/0 on SQLite, numbers of any numeric type
(numpy, Decimal) are written as the column's Python type.
"""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import JSON, Boolean, Connection, DateTime, Float, Integer, Table

# COPY text format: backslash, tab, newline and carriage return are escaped; \N is NULL.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"

Converter = Callable[[Any], Any]


def _kind(column: Any) -> str:
    column_type = column.type
    if isinstance(column_type, JSON):
        return "json"
    if isinstance(column_type, Boolean):
        return "bool"
    if isinstance(column_type, DateTime):
        return "datetime"
    if isinstance(column_type, Float):
        return "float"
    if isinstance(column_type, Integer):
        return "int"
    return "plain"


def _copy_text(value: Any) -> str:
    if value is None:
        return _NULL
    if isinstance(value, str):
        return value.translate(_COPY_ESCAPES)
    return repr(value) if isinstance(value, float) else str(value)


def _copy_json(value: Any) -> str:
    return "null" if value is None else orjson.dumps(value).decode()


def _copy_bool(value: Any) -> str | None:
    return None if value is None else ("t" if value else "f")


def _copy_datetime(value: Any) -> str | None:
    return None if value is None else value.isoformat(sep=" ", timespec="microseconds")


def _float(value: Any) -> float | None:
    return None if value is None else float(value)


def _int(value: Any) -> int | None:
    return None if value is None else int(value)


# These turn a value into the text COPY reads; `_copy_text` then escapes it (or writes NULL).
_COPY_CONVERTERS: dict[str, Converter] = {
    "json": _copy_json, "bool": _copy_bool, "datetime": _copy_datetime, "float": _float, "int": _int,
}


def _sqlite_json(value: Any) -> str:
    # json.dumps, as SQLAlchemy's JSON type does, so the stored text is byte-identical.
    return "null" if value is None else json.dumps(value)


def _sqlite_bool(value: Any) -> int | None:
    return None if value is None else int(bool(value))


def _sqlite_datetime(value: datetime | None) -> str | None:
    return None if value is None else value.strftime("%Y-%m-%d %H:%M:%S.%f")


_SQLITE_CONVERTERS: dict[str, Converter] = {
    "json": _sqlite_json, "bool": _sqlite_bool, "datetime": _sqlite_datetime, "float": _float, "int": _int,
}


def _special(table: Table, converters: dict[str, Converter]) -> list[tuple[int, Converter]]:
    """(position, converter) of the columns whose values need converting."""
    return [(i, converters[_kind(c)]) for i, c in enumerate(table.columns) if _kind(c) != "plain"]


def insert_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """Insert the rows (missing keys are NULL) the fastest way the dialect offers."""
    if not rows:
        return
    dialect = connection.dialect.name
    if dialect == "postgresql":
        copy_rows(connection, table, rows)
    elif dialect == "sqlite":
        executemany_rows(connection, table, rows)
    else:
        names = [c.name for c in table.columns]
        connection.execute(table.insert(), [{name: row.get(name) for name in names} for row in rows])


def copy_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """COPY the rows into the table (PostgreSQL), inside the connection's transaction."""
    if not rows:
        return
    names = [c.name for c in table.columns]
    special = _special(table, _COPY_CONVERTERS)
    buffer = io.StringIO()
    write = buffer.write
    for row in rows:
        values = list(map(row.get, names))
        for position, convert in special:
            values[position] = convert(values[position])
        write("\t".join([_copy_text(v) for v in values]))
        write("\n")
    buffer.seek(0)
    columns = ", ".join(f'"{name}"' for name in names)
    cursor = connection.connection.cursor()
    try:
        cursor.copy_expert(f'COPY "{table.name}" ({columns}) FROM STDIN', buffer)
    finally:
        cursor.close()


def executemany_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """One prepared INSERT run for every row (SQLite), inside the connection's transaction."""
    if not rows:
        return
    names = [c.name for c in table.columns]
    special = _special(table, _SQLITE_CONVERTERS)
    values: list[tuple[Any, ...]] = []
    for row in rows:
        row_values = list(map(row.get, names))
        for position, convert in special:
            row_values[position] = convert(row_values[position])
        values.append(tuple(row_values))
    columns = ", ".join(f'"{name}"' for name in names)
    placeholders = ", ".join("?" for _ in names)
    connection.exec_driver_sql(f'INSERT INTO "{table.name}" ({columns}) VALUES ({placeholders})', values)
