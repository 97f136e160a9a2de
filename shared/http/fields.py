"""Field types every service's API shares."""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Annotated

from pydantic import BeforeValidator, WithJsonSchema

# RFC 3339 date-time: a date, "T", a time and an offset (Z or +hh:mm); nothing else.
_RFC3339 = re.compile(
    r"^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}):(\d{2})(\.\d+)?([Zz]|[+-]\d{2}:\d{2})$", re.ASCII
)


def rfc3339(value: object) -> datetime:
    """An RFC 3339 date-time as an aware datetime in UTC; numbers or naive times are refused.

    A leap second counts as the last instant of its minute; a valid time Python cannot hold
    (year 0, or past year 9999 once in UTC) is its first or last instant: no event is there.
    """
    if isinstance(value, datetime) and value.tzinfo is not None:
        return value
    m = _RFC3339.match(value) if isinstance(value, str) else None
    if m is None:
        raise ValueError("must be an RFC 3339 date-time with an offset, e.g. 2025-06-01T12:00:00Z")
    date, hm, sec, frac, offset = m.groups()
    if sec == "60":
        sec, frac = "59", ".999999"
    text = f"{date}T{hm}:{sec}{frac or ''}{'+00:00' if offset in 'Zz' else offset}"
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError:
        if not date.startswith("0000"):
            raise ValueError("not a calendar date and time") from None
        datetime.fromisoformat(f"2000{text[4:]}")  # year 0 has the calendar of 2000
        return EARLIEST
    try:
        return parsed.astimezone(UTC)
    except OverflowError:
        return LATEST if parsed.year == 9999 else EARLIEST


EARLIEST, LATEST = datetime.min.replace(tzinfo=UTC), datetime.max.replace(tzinfo=UTC)


# A query or body instant: RFC 3339 text with an offset, as an aware UTC datetime.
Instant = Annotated[
    datetime,
    BeforeValidator(rfc3339),
    WithJsonSchema({"type": "string", "format": "date-time"}),
]
