"""Open the warehouse: any SQLAlchemy URL, an embedded SQLite file by default."""

from __future__ import annotations

import os
from pathlib import Path

import orjson
from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url

DATABASE_URL_ENV_VAR = "AGENT_MONITOR_DATABASE_URL"
HOME_ENV_VAR = "AGENT_MONITOR_HOME"


class WarehouseError(RuntimeError):
    """The warehouse cannot be opened; the message says which URL and why."""


def data_folder() -> Path:
    """The project-local data folder: `$AGENT_MONITOR_HOME`, else `./data`."""
    return Path(os.environ.get(HOME_ENV_VAR) or "data").resolve()


def default_database_url() -> str:
    return f"sqlite:///{data_folder() / 'warehouse.db'}"


def resolve_database_url(url: str | None = None) -> str:
    """An explicit URL, else `AGENT_MONITOR_DATABASE_URL`, else the embedded SQLite file."""
    return url or os.environ.get(DATABASE_URL_ENV_VAR) or default_database_url()


def redact(url: str) -> str:
    """The URL without its password, for messages and metadata."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is reported as such
        return "<unparsable database URL>"


_CONNECT_WORDS = ("connect", "connection", "does not exist", "authentication", "password", "unable to open", "timeout")


def unreachable_message(url: str, error: BaseException) -> str:
    """One line: which warehouse (password hidden), what the driver said, what to check."""
    orig = getattr(error, "orig", None) or error
    said = " ".join(str(orig).split())[:300] or type(orig).__name__
    reach = any(word in said.lower() for word in _CONNECT_WORDS)
    head = f"cannot reach the warehouse {redact(url)}" if reach else f"the warehouse {redact(url)} failed"
    if make_url_safe(url) == "sqlite":
        check = "check that the file's folder exists and is writable and that no other program holds the file locked"
    else:
        check = (
            "check that the server is running and reachable, and the host, port, database name and "
            f"credentials in the URL (--database-url or {DATABASE_URL_ENV_VAR})"
        )
    return f"{head}: {said}; {check}"


def make_url_safe(url: str) -> str:
    """The URL's backend name ('sqlite', 'postgresql', …), or '' when unparsable."""
    try:
        return make_url(url).get_backend_name()
    except Exception:  # noqa: BLE001
        return ""


def schema_scoped_url(url: str, schema: str) -> str:
    """A PostgreSQL URL whose connections use `schema` (search_path): one warehouse per schema."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options=-csearch_path%3D{schema}"


def create_warehouse_engine(url: str) -> Engine:
    """An engine tuned for the dialect: WAL and a busy timeout on SQLite.

    JSON columns are decoded with orjson (several times faster than the standard library on
    the list columns the rollups read back); ingestion parses events with orjson too, so
    every stored JSON value is one it can read.
    """
    try:
        parsed = make_url(url)
    except Exception as error:
        raise WarehouseError(f"invalid database URL {redact(url)!r}: {error}") from error
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database
        if database and database != ":memory:":
            try:
                Path(database).parent.mkdir(parents=True, exist_ok=True)
            except OSError as error:
                raise WarehouseError(f"cannot open the warehouse {redact(url)}: {error}") from None
        engine = create_engine(url, connect_args={"timeout": 60}, json_deserializer=orjson.loads)
        event.listen(engine, "connect", _configure_sqlite)
        return engine
    if parsed.get_backend_name() == "postgresql" and parsed.get_driver_name() != "psycopg2":
        raise WarehouseError(
            f"{redact(url)}: name the driver, e.g. postgresql+psycopg2://… "
            "(SQLAlchemy would otherwise pick a driver that is not installed)"
        )
    try:
        engine = create_engine(url, pool_pre_ping=True, json_deserializer=orjson.loads)
    except Exception as error:  # noqa: BLE001 - e.g. a dialect or driver that is not installed
        raise WarehouseError(f"cannot use the warehouse URL {redact(url)}: {error}") from None
    if parsed.get_backend_name() == "postgresql":
        event.listen(engine, "connect", _configure_postgresql)
    return engine


def _configure_postgresql(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    # JIT compilation pays off for long analytic scans; the warehouse sends many statements of
    # a second or less, and on the review sampler's hour it took 4 s of a 5.4 s statement.
    cursor = dbapi_connection.cursor()
    cursor.execute("SET jit = off")
    cursor.close()
    dbapi_connection.commit()


def _configure_sqlite(dbapi_connection, _record) -> None:  # type: ignore[no-untyped-def]
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=60000")
    cursor.close()
