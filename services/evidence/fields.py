"""Field types and OpenAPI notes the evidence features share: text, ids, times, problems."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
)

from shared.http.fields import Instant

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
Ids = Annotated[list[UUID], Field(max_length=100)]


def utc(value: datetime | None) -> datetime | None:
    """Times without a zone are read as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def _not_a_number(value: Any) -> Any:
    """Dates and times travel as text; a number of seconds or days is refused."""
    if isinstance(value, int | float):
        raise ValueError("expected a date or date-time as text, not a number")
    return value


Time = Annotated[datetime, BeforeValidator(_not_a_number), AfterValidator(utc)]
Day = Annotated[date, BeforeValidator(_not_a_number)]

# Times in queries: RFC 3339 with an offset (shared by every service).
QueryTime = Instant


class In(BaseModel):
    """A request body: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


def problems(*described: tuple[int, str]) -> dict[int | str, dict[str, Any]]:
    """OpenAPI responses for the problems an operation answers with, each with its codes."""
    return {status: {"description": text} for status, text in described}


NOT_FRESH = (503, "read models are catching up (`not_fresh`); retry shortly")
BAD_PAGE = (400, "`cursor` not one this API returned (`bad_cursor`), or `min_position` "
                 "beyond the log (`position_ahead_of_log`)")  # fmt: skip
IF_MATCH = (412, "`If-Match` is not an ETag (`bad_etag`) or names an older version "
                 "(`version_conflict`)")  # fmt: skip
