"""What may be asked of AI objectives."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any, Literal
from uuid import UUID

Direction = Literal["at_least", "at_most"]


@dataclass(frozen=True)
class ObjectiveContent:
    """What is measured, the target and its direction, the deadline and the owner."""

    title: str
    measure: str
    target: float
    due: date
    owner: str
    direction: Direction = "at_least"
    unit: str = ""
    baseline: float | None = None
    system_ids: tuple[UUID, ...] = ()

    def document(self) -> dict[str, Any]:
        """The content as the events record it."""
        return {
            "title": self.title, "measure": self.measure, "unit": self.unit,
            "target": self.target, "direction": self.direction, "baseline": self.baseline,
            "due": self.due, "owner": self.owner, "system_ids": list(self.system_ids),
        }  # fmt: skip


@dataclass(frozen=True)
class SetObjective:
    """Set a new AI objective; it waits for approval."""

    content: ObjectiveContent


@dataclass(frozen=True)
class ReviseObjective:
    """Change an objective (all of it); it waits for approval again."""

    objective_id: UUID
    content: ObjectiveContent
    expected_version: int | None = None


@dataclass(frozen=True)
class ApproveObjective:
    """Approve an objective (not by its author or revisers)."""

    objective_id: UUID
    comment: str = ""
    expected_version: int | None = None


@dataclass(frozen=True)
class MeasureObjective:
    """Record a measurement of the objective's measure."""

    objective_id: UUID
    value: float
    measured_at: datetime
    note: str = ""
    evidence_id: UUID | None = None
