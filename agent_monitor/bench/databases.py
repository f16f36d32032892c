"""Fresh, disposable warehouses for one measurement: a SQLite file or a PostgreSQL schema."""

from __future__ import annotations

import uuid
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from agent_monitor.lib.warehouse.connection import schema_scoped_url

DEFAULT_POSTGRES_URL = "postgresql+psycopg2://postgres@127.0.0.1:5432/test"


def fresh_url(kind: str, workdir: Path, name: str, postgres_url: str = DEFAULT_POSTGRES_URL) -> str:
    """The URL of a new empty warehouse of `kind` ("sqlite" or "postgres")."""
    if kind == "sqlite":
        path = workdir / f"{name}-{uuid.uuid4().hex[:8]}.db"
        return f"sqlite:///{path}"
    if kind != "postgres":
        raise ValueError(f"unknown database kind {kind!r} (sqlite, postgres)")
    schema = f"bench_{name}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(postgres_url)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'CREATE SCHEMA "{schema}"'))
    finally:
        admin.dispose()
    return schema_scoped_url(postgres_url, schema)


def drop(url: str) -> None:
    """Remove the warehouse that `fresh_url` made."""
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        for suffix in ("", "-wal", "-shm"):
            Path(f"{parsed.database}{suffix}").unlink(missing_ok=True)
        return
    options = parsed.query.get("options", "")
    schema = str(options).split("search_path=")[-1]
    base = parsed.difference_update_query(["options"]).render_as_string(hide_password=False)
    admin = create_engine(base)
    try:
        with admin.begin() as connection:
            connection.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
    finally:
        admin.dispose()


def kind_of(url: str) -> str:
    return "sqlite" if make_url(url).get_backend_name() == "sqlite" else "postgres"
