"""RFC 3339 timestamps, exactly: `date-time` of section 5.6, nothing ISO 8601 adds to it.

Accepted: `2026-01-05T10:00:00Z`, a fraction of any length, `+05:30`/`-00:00` offsets, a
lowercase `t`/`z`, a space for the `T` (the note in 5.6), and a leap second `:60` (held as
the first instant of the next second, as POSIX time does). Refused: basic format
(`20260105T100000Z`), week and ordinal dates, hour-only or minute-only times, an offset
without its colon (`+0500`), no offset at all.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

_RFC3339 = re.compile(
    r"(\d{4}-\d{2}-\d{2})[Tt ](\d{2}:\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})"
)


# The common spelling, which datetime.fromisoformat reads as it is (checked first: fast).
_PLAIN = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:[0-5]\d(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})")


class TimestampError(ValueError):
    """Not an RFC 3339 date-time (`out_of_range` is True when only the range is wrong)."""

    def __init__(self, message: str, *, out_of_range: bool = False) -> None:
        super().__init__(message)
        self.out_of_range = out_of_range


def parse_rfc3339(value: str) -> datetime:
    """The instant as an aware UTC datetime; raises TimestampError."""
    if _PLAIN.fullmatch(value):
        try:
            return datetime.fromisoformat(value).astimezone(UTC)
        except ValueError as error:
            raise TimestampError(f"is not a valid date-time ({error})") from None
        except OverflowError:
            raise TimestampError("is outside years 1–9999 once converted to UTC", out_of_range=True) from None
    match = _RFC3339.fullmatch(value)
    if match is None:
        raise TimestampError("is not an RFC 3339 date-time (YYYY-MM-DDTHH:MM:SS with Z or ±HH:MM)")
    date, hour_minute, second, fraction, offset = match.groups()
    leap = second == "60"
    fraction = (fraction or "")[:7]  # Python keeps microseconds: further digits are dropped
    zone = "+00:00" if offset in ("Z", "z") else offset
    text = f"{date}T{hour_minute}:{'59' if leap else second}{fraction}{zone}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as error:
        raise TimestampError(f"is not a valid date-time ({error})") from None
    try:
        instant = parsed.astimezone(UTC)
        if leap:
            instant = instant.replace(microsecond=0) + timedelta(seconds=1)
    except OverflowError:
        raise TimestampError("is outside years 1–9999 once converted to UTC", out_of_range=True) from None
    return instant
