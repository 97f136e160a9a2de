"""AI objective request bodies (each builds its command) and the objective as JSON."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any
from uuid import UUID

from pydantic import MISSING, Field

from services.risk.fields import In, Name, Required, Short, Text
from services.risk.objectives.commands import (
    ApproveObjective,
    Direction,
    MeasureObjective,
    ObjectiveContent,
    ReviseObjective,
    SetObjective,
)
from services.risk.objectives.domain import Objective
from services.risk.records.schemas import CommentIn, Day, Person, SystemIds
from shared.http.fields import Instant

# JSON numbers only (a string, NaN or Infinity is refused).
Number = Annotated[float, Field(allow_inf_nan=False, strict=True, ge=-1e15, le=1e15)]


class _ObjectiveFields(In):
    title: Name
    measure: Required  # what is measured, and how
    target: Number
    due: Day
    owner: Person
    direction: Direction = "at_least"  # at_least: higher is better; at_most: lower is better
    unit: Short = ""
    baseline: Number | None = None  # the value when the objective was set, if known
    system_ids: SystemIds = []

    def content(self) -> ObjectiveContent:
        return ObjectiveContent(
            self.title, self.measure, self.target, self.due, self.owner, self.direction,
            self.unit, self.baseline, tuple(self.system_ids),
        )  # fmt: skip


class ObjectiveIn(_ObjectiveFields):
    def to_command(self) -> SetObjective:
        return SetObjective(self.content())


class ObjectiveRevisionIn(_ObjectiveFields):
    def to_command(self, objective_id: UUID, expected_version: int | None) -> ReviseObjective:
        return ReviseObjective(objective_id, self.content(), expected_version)


class ObjectiveApprovalIn(CommentIn):
    def to_command(self, objective_id: UUID, expected_version: int | None) -> ApproveObjective:
        return ApproveObjective(objective_id, self.comment, expected_version)


class MeasurementIn(In):
    value: Number
    measured_at: Instant
    note: Text = ""
    evidence_id: UUID | MISSING = MISSING

    def to_command(self, objective_id: UUID) -> MeasureObjective:
        evidence = None if self.evidence_id is MISSING else self.evidence_id
        return MeasureObjective(objective_id, self.value, self.measured_at, self.note, evidence)


def objective_out(o: Objective, today: date) -> dict[str, Any]:
    latest = o.latest()
    return {
        "id": o.id, **o.content, "status": o.status(today), "reference": o.reference(),
        "latest_value": None if latest is None else latest.value,
        "latest_measured_at": None if latest is None else latest.measured_at,
        "measurements": [
            {"id": m.id, "value": m.value, "measured_at": m.measured_at, "note": m.note,
             "evidence_id": m.evidence_id, "recorded_by": m.recorded_by}
            for m in sorted(o.measurements, key=lambda m: m.measured_at)
        ],
        "approval_status": o.approval_status, "approved_by": o.approved_by,
        "approved_at": o.approved_at, "author": o.author, "revisers": o.revisers,
        "version": o.version, "created_at": o.created_at, "updated_at": o.last_event_at,
    }  # fmt: skip
