"""Request field types the management-system records share (people, links, review periods)."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, TypeVar
from uuid import UUID

from fastapi import Query
from pydantic import AfterValidator, BeforeValidator, Field, StringConstraints, WithJsonSchema

from services.risk.fields import NOT_BLANK, In, Stripped, Text
from shared.contract import annex_a
from shared.http.auth import normalise_subject

T = TypeVar("T")


def _no_repeats(values: Any) -> Any:
    """Refuse a list naming one value twice (JSON Schema `uniqueItems`)."""
    texts = isinstance(values, list) and all(isinstance(v, str) for v in values)
    if texts and len(set(values)) != len(values):
        raise ValueError("items must be distinct")
    return values


def _once(values: list[T]) -> list[T]:
    return list(dict.fromkeys(values))


def _distinct(max_length: int) -> Any:
    return Field(max_length=max_length, json_schema_extra={"uniqueItems": True})


NoRepeats, Once = BeforeValidator(_no_repeats), AfterValidator(_once)


def _subject_or_none(value: str | None) -> str | None:
    return None if value is None else normalise_subject(value)


def _date_text(value: Any) -> Any:
    """A calendar date only as JSON text (`2026-06-30`): no numbers read as timestamps."""
    if not isinstance(value, str | date):
        raise ValueError("must be a date written YYYY-MM-DD")
    return value


def _known_control(value: str) -> str:
    if value not in annex_a.controls():
        raise ValueError(f"{value} is not an Annex A control")
    return value


# A person as tokens name them: trimmed and case-folded (`Erin ` and `erin` are one).
Person = Annotated[
    str, StringConstraints(min_length=1, max_length=200, pattern=NOT_BLANK), Stripped,
    AfterValidator(normalise_subject),
]  # fmt: skip
# A competence is an identifier roles and training records share, e.g. `bias-testing`.
COMPETENCE = r"^[a-z0-9][a-z0-9._-]*$"
Competence = Annotated[str, StringConstraints(min_length=1, max_length=64, pattern=COMPETENCE)]
ControlRef = Annotated[
    str,
    WithJsonSchema({"type": "string", "enum": list(annex_a.controls())}),
    AfterValidator(_known_control),
]
Day = Annotated[date, BeforeValidator(_date_text)]
ReviewDays = Annotated[int, Field(ge=1, le=3650, strict=True)]
Item = Annotated[str, StringConstraints(min_length=1, max_length=2000, pattern=NOT_BLANK), Stripped]

# Lists of distinct items: a repeated item is refused, items equal once normalised kept once.
People = Annotated[list[Person], _distinct(500), NoRepeats, Once]
SystemIds = Annotated[list[UUID], _distinct(500), NoRepeats, Once]
RiskIds = Annotated[list[UUID], _distinct(200), NoRepeats, Once]
ControlIds = Annotated[list[ControlRef], _distinct(38), NoRepeats, Once]
Competences = Annotated[list[Competence], _distinct(100), NoRepeats, Once]
Items = Annotated[list[Item], _distinct(100), NoRepeats, Once]


class CommentIn(In):
    comment: Text = ""


class ReasonIn(In):
    reason: Annotated[str, StringConstraints(min_length=1, max_length=10_000, pattern=NOT_BLANK),
                      Stripped]  # fmt: skip


# A person in a query, spelt as tokens spell subjects (the service case-folds it).
PersonQuery = Annotated[str | None, Query(max_length=200), AfterValidator(_subject_or_none)]
