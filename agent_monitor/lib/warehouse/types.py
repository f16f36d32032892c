"""Column types that behave the same on SQLite and PostgreSQL."""

from __future__ import annotations

from sqlalchemy import JSON
from sqlalchemy.dialects.postgresql import JSONB

# JSON arrays and objects: JSONB on PostgreSQL (indexable, compact), JSON text on SQLite.
JsonColumn = JSON().with_variant(JSONB(), "postgresql")
