"""Field types the risk features share: bounded text, labels, scores, list and time queries."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query
from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
)

from shared.http.fields import Instant

# Surrounding white space is dropped. It is the white space of JSON Schema's (ECMA-262)
# `\s`, so the documented limits and what the service accepts agree exactly: the lengths
# count the text as sent, and a value of white space only is refused.
WHITE_SPACE = (
    "\t\n\v\f\r \u00a0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008"
    "\u2009\u200a\u2028\u2029\u202f\u205f\u3000\ufeff"
)
NOT_BLANK = r"[^\t\n\v\f\r \u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]"


def _strip(value: str) -> str:
    return value.strip(WHITE_SPACE)


def _required(max_length: int) -> StringConstraints:
    return StringConstraints(min_length=1, max_length=max_length, pattern=NOT_BLANK)


Stripped = AfterValidator(_strip)
Name = Annotated[str, _required(200), Stripped]
Label = Annotated[str, _required(64), Stripped]
Required = Annotated[str, _required(10_000), Stripped]
Text = Annotated[str, StringConstraints(max_length=10_000), Stripped]
Short = Annotated[str, StringConstraints(max_length=200), Stripped]
# An Annex A control id as the standard writes it (`A.6.2.4`); unknown ones are refused later.
CONTROL_ID = r"^A\.\d{1,2}(\.\d{1,2}){0,2}$"
ControlId = Annotated[str, StringConstraints(max_length=16, pattern=CONTROL_ID)]
# Upper bound only; the current criteria decide the real scale (1-5 by default).
Value = Annotated[int, Field(ge=1, le=20)]

Limit = Annotated[int, Query(ge=1, le=500)]
OwnerQuery = Annotated[str | None, Query(max_length=200)]


class In(BaseModel):
    """A request body: unknown fields are an error, not silently dropped."""

    model_config = ConfigDict(extra="forbid")


AsOf = Annotated[
    Instant | None,
    Query(description="the state as it was at this instant (RFC 3339 date-time)"),
]
