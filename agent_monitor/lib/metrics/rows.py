"""Input normalisation: metric functions take lists of dicts or DataFrames of raw_events rows."""

from __future__ import annotations

import json
import math
from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

import pandas as pd

Row = Mapping[str, Any]
Rows = Iterable[Row] | pd.DataFrame


def as_rows(data: Rows) -> list[Row]:
    """A list of row mappings from a DataFrame or any iterable of mappings."""
    if isinstance(data, pd.DataFrame):
        return data.to_dict("records")
    return list(data)


def is_missing(value: Any) -> bool:
    """True for None, NaN and pandas NA/NaT."""
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return value is pd.NA or value is pd.NaT


def get(row: Row, key: str) -> Any:
    """The row's value for key, with NaN/NA mapped to None."""
    value = row.get(key)
    kind = type(value)
    if value is None or kind is str or kind is int:  # the common cases, decided without is_missing
        return value
    if kind is float:
        return None if value != value else value  # NaN is the only float unequal to itself
    return None if is_missing(value) else value


def str_list(value: Any) -> list[str]:
    """A list-of-strings column as a list (None/NaN -> [], JSON text and arrays accepted)."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return []
    if isinstance(value, str):
        text = value.strip()
        if text.startswith("["):
            return [str(item) for item in json.loads(text)]
        return [text] if text else []
    return [str(item) for item in value]


def is_primary(row: Row) -> bool:
    """True unless the row is a shadow response (deployment defaults to primary)."""
    return row.get("deployment") != "shadow"


def order_key(row: Row) -> tuple[float, str]:
    """Time order with ties broken by event_id."""
    return (epoch_of(row), str(row.get("event_id") or ""))


def epoch_of(row: Row) -> float:
    """ts_epoch when present, else the naive-UTC ts converted to epoch seconds."""
    value = get(row, "ts_epoch")
    if value is not None:
        return float(value)
    return to_epoch(row["ts"])


def to_epoch(ts: datetime) -> float:
    """Epoch seconds of a naive UTC datetime (or pandas Timestamp)."""
    stamp = pd.Timestamp(ts)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return (stamp - pd.Timestamp(0)).total_seconds()


def as_datetime(ts: Any) -> datetime:
    """A naive UTC datetime from a datetime, pandas Timestamp or ISO text."""
    if type(ts) is datetime and ts.tzinfo is None:  # what the warehouse returns: as it is
        return ts
    stamp = pd.Timestamp(ts)
    if stamp.tzinfo is not None:
        stamp = stamp.tz_convert("UTC").tz_localize(None)
    return stamp.to_pydatetime()


def hour_of(ts: datetime) -> datetime:
    """The naive UTC hour that contains ts."""
    return pd.Timestamp(ts).floor("h").to_pydatetime()
