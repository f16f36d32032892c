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
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import JSON, Boolean, Connection, DateTime, Float, Integer, Table

# COPY text format: backslash, tab, newline and carriage return are escaped; \N is NULL.
_COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})
_NULL = "\\N"
# Characters psycopg2 hands to the server per read of the COPY buffer.
_COPY_READ = 1 << 20

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


@dataclass(frozen=True)
class _Layout:
    """A table's columns as bulk writes see them, worked out once per table."""

    names: tuple[str, ...]
    kinds: tuple[str, ...]
    columns_sql: str


_LAYOUTS: dict[Table, _Layout] = {}


def _layout(table: Table) -> _Layout:
    cached = _LAYOUTS.get(table)
    if cached is not None:
        return cached
    names = tuple(c.name for c in table.columns)
    layout = _Layout(
        names=names,
        kinds=tuple(_kind(c) for c in table.columns),
        columns_sql=", ".join(f'"{name}"' for name in names),
    )
    _LAYOUTS[table] = layout
    return layout


def _copy_plain(value: Any) -> str:
    if isinstance(value, str):
        return value  # a str subclass: joined as its characters, as `translate` gives them
    return repr(value) if isinstance(value, float) else str(value)


# The COPY text of one non-None value before escaping, per column kind: what
# `_copy_text(_COPY_CONVERTERS[kind](value))` writes when there is nothing to escape.
_COPY_VALUE: dict[str, Converter] = {
    "plain": _copy_plain,
    "json": lambda value: orjson.dumps(value).decode(),
    "bool": lambda value: "t" if value else "f",
    "datetime": lambda value: value.isoformat(sep=" ", timespec="microseconds"),
    "float": lambda value: repr(float(value)),
    "int": lambda value: str(int(value)),
}


def _copy_line_escaped(row: dict[str, Any], names: Sequence[str], special: list[tuple[int, Converter]]) -> str:
    """One row's COPY line, every value converted then escaped: the general path."""
    values = list(map(row.get, names))
    for position, convert in special:
        values[position] = convert(values[position])
    return "\t".join([_copy_text(v) for v in values])


def copy_text(table: Table, rows: Sequence[dict[str, Any]]) -> str:
    """The rows in COPY's text format, one line each (missing keys are NULL).

    Only the keys a row has are converted (rows are sparse: most columns of `raw_events` are
    NULL on any one event). A line is escaped value by value only when one of its values holds
    one of the four characters COPY escapes; otherwise escaping would change nothing. The line
    is checked whole: its tabs must be the separators and its backslashes those of its `\\N`.
    """
    layout = _layout(table)
    # name → (position, converter, plain text column, 1 when its NULL is `\\N`)
    slots = {
        name: (i, _COPY_VALUE[kind], kind == "plain", int(kind != "json"))
        for i, (name, kind) in enumerate(zip(layout.names, layout.kinds, strict=True))
    }
    separators = len(layout.names) - 1
    # What a missing key or a None value becomes: JSON columns store the JSON value null.
    empty = ["null" if kind == "json" else _NULL for kind in layout.kinds]
    empty_nulls = empty.count(_NULL)
    special: list[tuple[int, Converter]] | None = None
    lines: list[str] = []
    for row in rows:
        values = empty.copy()
        nulls = empty_nulls
        for name, value in row.items():
            if value is None:
                continue
            slot = slots.get(name)
            if slot is None:
                continue
            i, convert, plain, counted = slot
            values[i] = value if plain and type(value) is str else convert(value)
            nulls -= counted
        line = "\t".join(values)
        if line.count("\t") != separators or line.count("\\") != nulls or "\n" in line or "\r" in line:
            if special is None:
                special = _special(table, _COPY_CONVERTERS)
            line = _copy_line_escaped(row, layout.names, special)
        lines.append(line)
    lines.append("")
    return "\n".join(lines)


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
    buffer = io.StringIO(copy_text(table, rows))
    cursor = connection.connection.cursor()
    try:
        cursor.copy_expert(f'COPY "{table.name}" ({_layout(table).columns_sql}) FROM STDIN', buffer, size=_COPY_READ)
    finally:
        cursor.close()


def executemany_rows(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    """One prepared INSERT run for every row (SQLite), inside the connection's transaction."""
    if not rows:
        return
    layout = _layout(table)
    position = {name: i for i, name in enumerate(layout.names)}
    converters = [_SQLITE_CONVERTERS.get(kind) for kind in layout.kinds]
    empty = ["null" if kind == "json" else None for kind in layout.kinds]
    values: list[tuple[Any, ...]] = []
    for row in rows:
        row_values = empty.copy()
        for name, value in row.items():
            if value is None:
                continue
            i = position.get(name)
            if i is None:
                continue
            convert = converters[i]
            row_values[i] = value if convert is None else convert(value)
        values.append(tuple(row_values))
    placeholders = ", ".join("?" for _ in layout.names)
    connection.exec_driver_sql(f'INSERT INTO "{table.name}" ({layout.columns_sql}) VALUES ({placeholders})', values)
