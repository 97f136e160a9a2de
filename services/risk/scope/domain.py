"""Context (4.1, 4.2) and scope (4.3) of the AI management system, without I/O.

Interested parties are records with their requirements. The scope is one aggregate for
the organisation: each version states the scope, its boundaries and exclusions and the AI
systems inside it, and takes effect once an approver who wrote none of its versions
approves it (`scope.approval`); until then the approved version stays in force.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any, Self
from uuid import UUID

from services.risk.records.domain import APPROVED, Approvable
from shared.contract.events.risk import (
    AIMSScopeApproved,
    AIMSScopeSet,
    InterestedPartyRecorded,
    InterestedPartyRetired,
    InterestedPartyRevised,
)
from shared.domain.aggregate import Aggregate, DomainEvent
from shared.domain.errors import Conflict
from shared.domain.sod import SodPolicy
from shared.kernel.requestctx import Actor

SCOPE_ID = uuid.uuid5(uuid.NAMESPACE_URL, "aims:aims-scope")  # the one scope: `scope-<id>`
PARTY = ("name", "kind", "description", "requirements", "system_ids", "owner")
SCOPE = ("statement", "boundaries", "exclusions", "system_ids", "owner")


def _party(e: InterestedPartyRecorded | InterestedPartyRevised) -> dict[str, Any]:
    content = {k: getattr(e, k) for k in PARTY}
    content["requirements"] = [r.model_dump() for r in e.requirements]
    return content


@dataclass
class InterestedParty(Aggregate):
    category = "party"
    content: dict[str, Any] = field(default_factory=dict)
    status: str = "active"
    recorded_by: str = ""
    revisers: list[str] = field(default_factory=list)
    retired_reason: str | None = None

    @classmethod
    def record(cls, id: UUID, content: dict[str, Any], by: str) -> Self:
        p = cls(id)
        p._emit(InterestedPartyRecorded(party_id=id, recorded_by=by, **content))
        return p

    @property
    def system_ids(self) -> list[UUID]:
        return list(self.content.get("system_ids") or [])

    def revise(self, content: dict[str, Any], by: str) -> None:
        """Change the party (nothing when unchanged)."""
        self._check_active()
        if content == self.content:
            return
        self._emit(InterestedPartyRevised(party_id=self.id, revised_by=by, **content))

    def retire(self, reason: str, by: str) -> None:
        """The party is no longer relevant to the AI management system."""
        self._check_active()
        self._emit(InterestedPartyRetired(party_id=self.id, system_ids=self.system_ids,
                                          reason=reason, retired_by=by))  # fmt: skip

    def _check_active(self) -> None:
        if self.status == "retired":
            raise Conflict("the interested party is retired", code="party_retired")

    def apply(self, event: DomainEvent) -> None:
        match event:
            case InterestedPartyRecorded():
                self.content, self.recorded_by = _party(event), event.recorded_by
            case InterestedPartyRevised():
                self.content = _party(event)
                if event.revised_by not in self.revisers:
                    self.revisers.append(event.revised_by)
            case InterestedPartyRetired():
                self.status, self.retired_reason = "retired", event.reason


@dataclass
class ScopeVersion:
    number: int
    content: dict[str, Any]
    set_by: str
    approved_by: str | None = None


@dataclass
class AIMSScope(Approvable):
    category = "scope"
    decision = "scope.approval"
    approval_events = (AIMSScopeApproved,)
    versions: list[ScopeVersion] = field(default_factory=list)
    in_force: int | None = None

    def set(self, content: dict[str, Any], by: str) -> None:
        """Write a new version (nothing when it says what the latest one says)."""
        if self.versions and content == self.versions[-1].content:
            return
        self._emit(AIMSScopeSet(scope_version=len(self.versions) + 1, set_by=by, **content))

    def approve(self, actor: Actor, comment: str = "", sod: SodPolicy | None = None) -> None:
        """Approve the latest version: an approver who wrote no version of the scope."""
        self.check_approver(actor, sod)
        if self.approval_status == APPROVED:
            raise Conflict("the latest version is already approved", code="scope_approved")
        latest = self.versions[-1]
        self._emit(AIMSScopeApproved(scope_version=latest.number,
                                     system_ids=latest.content["system_ids"],
                                     approved_by=actor.sub, comment=comment))  # fmt: skip

    def apply(self, event: DomainEvent) -> None:
        match event:
            case AIMSScopeSet():
                content = {k: getattr(event, k) for k in SCOPE}
                self.versions.append(ScopeVersion(event.scope_version, content, event.set_by))
                if len(self.versions) == 1:
                    self._written(author=event.set_by)
                else:
                    self._written(reviser=event.set_by)
            case AIMSScopeApproved():
                self.versions[event.scope_version - 1].approved_by = event.approved_by
                self.in_force = event.scope_version
                self._approved(event.approved_by)
