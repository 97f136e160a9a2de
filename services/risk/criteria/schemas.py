"""The risk criteria as JSON: the body of a PUT and the document a GET returns."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from services.risk.criteria.commands import SetCriteria
from services.risk.criteria.domain import RiskCriteria
from services.risk.fields import In, Label

Labels = Annotated[list[Label], Field(min_length=2, max_length=10)]


class CriteriaIn(In):
    likelihood_labels: Labels
    consequence_labels: Labels
    levels: Annotated[
        list[Label], Field(min_length=2, max_length=10, json_schema_extra={"uniqueItems": True})
    ]
    matrix: Annotated[list[Annotated[list[Label], Field(max_length=10)]], Field(max_length=10)]
    appetite: Label

    def to_command(self, expected_version: int | None) -> SetCriteria:
        return SetCriteria(
            tuple(self.likelihood_labels), tuple(self.consequence_labels), tuple(self.levels),
            tuple(tuple(row) for row in self.matrix), self.appetite, expected_version,
        )  # fmt: skip


def criteria_out(c: RiskCriteria) -> dict[str, Any]:
    return {**c.current, "updated_at": c.last_event_at}
