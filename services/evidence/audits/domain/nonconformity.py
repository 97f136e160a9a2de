"""The nonconformity aggregate (10.2): containment, root cause, corrective action, closure."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from uuid import UUID

from shared.contract.events.evidence import (
    ContainmentRecorded,
    CorrectiveActionAdded,
    CorrectiveActionCompleted,
    NonconformityClosed,
    NonconformityRaised,
    RootCauseRecorded,
)
from shared.domain.aggregate import Aggregate, DomainEvent
from shared.domain.errors import Conflict, NotFound
from shared.domain.sod import SodPolicy, default_policy

CLOSURE = "nonconformity.closure"  # its separation-of-duties decision


@dataclass
class CorrectiveAction:
    id: UUID
    description: str
    owner: str
    due: date
    completed: bool = False


@dataclass
class Nonconformity(Aggregate):
    category = "nc"
    title: str = ""
    description: str = ""
    owner: str = ""
    raised_by: str = ""
    finding_id: UUID | None = None
    audit_id: UUID | None = None
    system_id: UUID | None = None
    reference: str = ""
    containment: list[str] = field(default_factory=list)
    root_cause: str | None = None
    actions: dict[UUID, CorrectiveAction] = field(default_factory=dict)
    status: str = "open"
    effectiveness_review: str | None = None
    effective: bool | None = None
    closed_by: str | None = None

    @classmethod
    def raise_(
        cls, id: UUID, *, title: str, description: str, owner: str,
        finding_id: UUID | None = None, audit_id: UUID | None = None,
        system_id: UUID | None = None, reference: str = "", raised_by: str = "",
    ) -> Nonconformity:  # fmt: skip
        """A new, open nonconformity (from a finding or found directly)."""
        nc = cls(id)
        nc._emit(NonconformityRaised(
            nc_id=id, title=title, description=description, owner=owner, finding_id=finding_id,
            audit_id=audit_id, system_id=system_id, reference=reference, raised_by=raised_by,
        ))  # fmt: skip
        return nc

    def _open(self) -> None:
        if self.status == "closed":
            raise Conflict("the nonconformity is closed", code="nc_closed")

    def contain(self, action: str) -> None:
        """Record an action taken to control and correct the nonconformity now."""
        self._open()
        self._emit(ContainmentRecorded(nc_id=self.id, action=action, system_id=self.system_id))

    def record_root_cause(self, root_cause: str) -> None:
        """Record why it happened (may be revised while open)."""
        self._open()
        self._emit(RootCauseRecorded(nc_id=self.id, root_cause=root_cause,
                                     system_id=self.system_id))  # fmt: skip

    def add_action(self, action_id: UUID, description: str, owner: str, due: date) -> None:
        """Plan a corrective action with its owner and due date."""
        self._open()
        self._emit(CorrectiveActionAdded(nc_id=self.id, action_id=action_id,
                                         description=description, owner=owner, due=due,
                                         system_id=self.system_id))  # fmt: skip

    def complete_action(self, action_id: UUID, by: str) -> None:
        """Mark a corrective action as done."""
        self._open()
        action = self.actions.get(action_id)
        if action is None:
            raise NotFound(f"no corrective action {action_id} on this nonconformity")
        if action.completed:
            raise Conflict("the corrective action is already completed", code="action_completed")
        self._emit(CorrectiveActionCompleted(
            nc_id=self.id, action_id=action_id, system_id=self.system_id, completed_by=by
        ))  # fmt: skip

    def relations(self) -> dict[str, set[str]]:
        """Who stands how to it: the raiser, the owner, the corrective actions' owners."""
        return {
            "raiser": {self.raised_by} if self.raised_by else set(), "owner": {self.owner},
            "action_owners": {a.owner for a in self.actions.values()},
        }  # fmt: skip

    def missing_for_closure(self) -> list[str]:
        """The steps still missing before closure: a root cause, each open corrective action."""
        missing = [] if self.root_cause else ["root_cause"]
        missing += [f"corrective_action:{a.id}" for a in self.actions.values() if not a.completed]
        return missing

    def close(self, review: str, effective: bool, by: str, sod: SodPolicy | None = None) -> None:
        """Close after the root cause, every corrective action done and an effectiveness review,
        by someone the separation-of-duties policy does not exclude (by default the raiser,
        the owner and every corrective-action owner)."""
        self._open()
        (sod or default_policy()).check_excluded(CLOSURE, by, self.relations())
        missing = self.missing_for_closure()
        if missing:
            raise Conflict(
                "a nonconformity closes only with a root cause recorded and every corrective"
                f" action completed; missing: {', '.join(missing)}",
                code="closure_incomplete", missing=missing,
            )  # fmt: skip
        if not effective:
            raise Conflict("corrective action was not effective: plan further action before "
                           "closing", code="not_effective")  # fmt: skip
        self._emit(NonconformityClosed(nc_id=self.id, effectiveness_review=review,
                                       effective=effective, closed_by=by,
                                       system_id=self.system_id))  # fmt: skip

    def apply(self, event: DomainEvent) -> None:
        match event:
            case NonconformityRaised():
                self.title, self.description, self.owner = (
                    event.title,
                    event.description,
                    event.owner,
                )
                self.finding_id, self.audit_id = event.finding_id, event.audit_id
                self.raised_by = event.raised_by
                self.system_id, self.reference = event.system_id, event.reference
            case ContainmentRecorded():
                self.containment.append(event.action)
            case RootCauseRecorded():
                self.root_cause = event.root_cause
            case CorrectiveActionAdded():
                self.actions[event.action_id] = CorrectiveAction(
                    event.action_id, event.description, event.owner, event.due
                )
            case CorrectiveActionCompleted():
                self.actions[event.action_id].completed = True
            case NonconformityClosed():
                self.status, self.closed_by = "closed", event.closed_by
                self.effectiveness_review, self.effective = (
                    event.effectiveness_review,
                    event.effective,
                )
