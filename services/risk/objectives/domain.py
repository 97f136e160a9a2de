"""AI objectives (6.2) and the rule that says how each is doing, without I/O.

The status of an objective, as of a day:
- `met`: the latest measurement (by `measured_at`) reaches the target (at least the target
  for `direction` at_least, at most it for at_most);
- `missed`: otherwise, once the due date has passed;
- otherwise `at_risk` or `on_track`. The expected value moves in a straight line from
  the reference (the baseline, else the first measurement) on the day the objective was
  set to the target on the due date; the objective is `at_risk` when its latest value
  (the baseline while nothing is measured) is behind that line, and with neither a
  baseline nor a measurement once more than half of its time has passed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Any, Self
from uuid import UUID

from services.risk.records.domain import APPROVED, Approvable
from shared.contract.events.risk import (
    ObjectiveApproved,
    ObjectiveMeasured,
    ObjectiveRevised,
    ObjectiveSet,
)
from shared.domain.aggregate import DomainEvent
from shared.domain.errors import Conflict, Invalid
from shared.domain.sod import SodPolicy
from shared.kernel.requestctx import Actor

CONTENT = ("title", "measure", "unit", "target", "direction", "baseline", "due", "owner",
           "system_ids")  # fmt: skip


def meets(value: float, target: float, direction: str) -> bool:
    """Whether a value reaches the target."""
    return value >= target if direction == "at_least" else value <= target


def objective_status(
    *, target: float, direction: str, reference: float | None, latest: float | None,
    start: date, due: date, today: date,
) -> str:  # fmt: skip
    """on_track, at_risk, met or missed (the rule in the module docstring)."""
    if latest is not None and meets(latest, target, direction):
        return "met"
    if today > due:
        return "missed"
    elapsed = min(max((today - start).days / max((due - start).days, 1), 0.0), 1.0)
    if reference is None:
        return "at_risk" if elapsed > 0.5 else "on_track"
    expected = reference + (target - reference) * elapsed
    value = latest if latest is not None else reference
    behind = value < expected if direction == "at_least" else value > expected
    return "at_risk" if behind else "on_track"


@dataclass
class Measurement:
    id: UUID
    value: float
    measured_at: datetime
    note: str
    evidence_id: UUID | None
    recorded_by: str


@dataclass
class Objective(Approvable):
    category = "objective"
    decision = "objective.approval"
    approval_events = (ObjectiveApproved,)
    content: dict[str, Any] = field(default_factory=dict)
    measurements: list[Measurement] = field(default_factory=list)

    @classmethod
    def set(cls, id: UUID, content: dict[str, Any], by: str) -> Self:
        """A new objective, waiting for approval."""
        o = cls(id)
        o._emit(ObjectiveSet(objective_id=id, set_by=by, **content))
        return o

    @property
    def system_ids(self) -> list[UUID]:
        return list(self.content.get("system_ids") or [])

    def revise(self, content: dict[str, Any], by: str) -> None:
        """Change the objective (nothing when unchanged); it waits for approval again."""
        if content == self.content:
            return
        self._emit(ObjectiveRevised(objective_id=self.id, revised_by=by, **content))

    def approve(self, actor: Actor, comment: str = "", sod: SodPolicy | None = None) -> None:
        """Approve the objective: an approver who neither set nor revised it."""
        self.check_approver(actor, sod)
        if self.approval_status == APPROVED:
            raise Conflict("the objective is already approved", code="objective_approved")
        self._emit(ObjectiveApproved(objective_id=self.id, system_ids=self.system_ids,
                                     approved_by=actor.sub, comment=comment))  # fmt: skip

    def measure(
        self, id: UUID, value: float, measured_at: datetime, by: str, now: datetime,
        note: str = "", evidence_id: UUID | None = None,
    ) -> None:  # fmt: skip
        """Record a measurement (not one taken in the future)."""
        if measured_at > now:
            msg = "a measurement cannot be taken in the future"
            raise Invalid(msg, code="validation", errors=[
                {"loc": ["body", "measured_at"], "msg": msg, "type": "value_error"}])  # fmt: skip
        self._emit(ObjectiveMeasured(
            objective_id=self.id, system_ids=self.system_ids, measurement_id=id, value=value,
            measured_at=measured_at, note=note, evidence_id=evidence_id, recorded_by=by,
        ))  # fmt: skip

    def reference(self) -> float | None:
        """The baseline, else the first measurement (the start of the expected line)."""
        if self.content.get("baseline") is not None:
            return float(self.content["baseline"])
        first = min(self.measurements, key=lambda m: m.measured_at, default=None)
        return None if first is None else first.value

    def latest(self) -> Measurement | None:
        """The latest measurement by `measured_at` (of equal times, the last recorded)."""
        out: Measurement | None = None
        for m in self.measurements:
            if out is None or m.measured_at >= out.measured_at:
                out = m
        return out

    def status(self, today: date) -> str:
        """on_track, at_risk, met or missed, as of `today`."""
        latest = self.latest()
        start = self.created_at.astimezone(UTC).date() if self.created_at else today
        return objective_status(
            target=self.content["target"], direction=self.content["direction"],
            reference=self.reference(), latest=None if latest is None else latest.value,
            start=start, due=self.content["due"], today=today,
        )  # fmt: skip

    def apply(self, event: DomainEvent) -> None:
        match event:
            case ObjectiveSet():
                self.content = {k: getattr(event, k) for k in CONTENT}
                self._written(author=event.set_by)
            case ObjectiveRevised():
                self.content = {k: getattr(event, k) for k in CONTENT}
                self._written(reviser=event.revised_by)
            case ObjectiveApproved():
                self._approved(event.approved_by)
            case ObjectiveMeasured():
                self.measurements.append(Measurement(
                    event.measurement_id, event.value, event.measured_at, event.note,
                    event.evidence_id, event.recorded_by,
                ))  # fmt: skip
