"""Request and response bodies of a system's responsibilities; the request builds the command."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from services.registry.responsibilities.commands import AssignResponsibilities
from services.registry.responsibilities.domain import Responsibilities
from services.registry.systems.schemas import stripped

Subject = Annotated[str, stripped(200), AfterValidator(str.casefold)]


def _distinct(names: list[str]) -> list[str]:
    """Each person once per list (subjects compare case-folded, as tokens carry them)."""
    if len(set(names)) != len(names):
        raise ValueError("names must be distinct")
    return names


Subjects = Annotated[
    list[Subject], Field(max_length=50, json_schema_extra={"uniqueItems": True}),
    AfterValidator(_distinct),
]  # fmt: skip


class ResponsibilitiesIn(BaseModel):
    """RACI of the system: people as the subjects of their tokens (case-folded)."""

    model_config = ConfigDict(extra="forbid")
    accountable: Subject
    responsible: Annotated[Subjects, Field(min_length=1)]
    consulted: Subjects = []
    informed: Subjects = []

    def to_command(self, system_id: UUID, expected: int | None) -> AssignResponsibilities:
        return AssignResponsibilities(
            system_id, self.accountable, tuple(self.responsible), tuple(self.consulted),
            tuple(self.informed), expected,
        )  # fmt: skip


class ResponsibilitiesOut(BaseModel):
    system_id: UUID
    accountable: str
    responsible: list[str]
    consulted: list[str]
    informed: list[str]
    assigned: bool
    version: int
    updated_at: datetime | None
    updated_by: str | None

    @classmethod
    def of(cls, r: Responsibilities) -> ResponsibilitiesOut:
        return cls(
            system_id=r.id, accountable=r.accountable, responsible=r.responsible,
            consulted=r.consulted, informed=r.informed, assigned=r.assigned,
            version=r.version, updated_at=r.last_event_at, updated_by=r.updated_by,
        )  # fmt: skip
