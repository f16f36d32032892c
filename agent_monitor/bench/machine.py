"""A description of the machine and software a benchmark ran on, so runs compare."""

from __future__ import annotations

import os
import platform
import sqlite3
from importlib import metadata
from typing import Any

from sqlalchemy import create_engine, text


def _cpu_model() -> str:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as stream:
            for line in stream:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _memory_gib() -> float | None:
    try:
        return round(os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30, 1)
    except (ValueError, OSError):
        return None


def _version(package: str) -> str | None:
    try:
        return metadata.version(package)
    except metadata.PackageNotFoundError:
        return None


def _postgres_version(url: str | None) -> str | None:
    if not url:
        return None
    engine = create_engine(url)
    try:
        with engine.connect() as connection:
            return str(connection.execute(text("SHOW server_version")).scalar_one())
    except Exception as error:  # noqa: BLE001 - reported, not fatal
        return f"unavailable: {type(error).__name__}"
    finally:
        engine.dispose()


def machine_info(postgres_url: str | None) -> dict[str, Any]:
    """CPU count and model, memory, load, Python, Dagster and database versions."""
    return {
        "cpu_count": os.cpu_count(),
        "cpu_model": _cpu_model(),
        "memory_gib": _memory_gib(),
        "load_average_at_start": [round(x, 2) for x in os.getloadavg()],
        "platform": platform.platform(),
        "python": platform.python_version(),
        "dagster": _version("dagster"),
        "sqlalchemy": _version("SQLAlchemy"),
        "orjson": _version("orjson"),
        "psycopg2": _version("psycopg2-binary") or _version("psycopg2"),
        "sqlite": sqlite3.sqlite_version,
        "postgres": _postgres_version(postgres_url),
    }
