"""Interested-party and scope request bodies (each builds its command), and their JSON."""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from pydantic import MISSING, Field

from services.risk.fields import In, Name, Required, Short, Text
from services.risk.records.schemas import CommentIn, Item, Person, ReasonIn, SystemIds
from services.risk.scope.commands import (
    ApproveScope,
    PartyContent,
    RecordParty,
    RetireParty,
    ReviseParty,
    ScopeContent,
    SetScope,
)
from services.risk.scope.domain import AIMSScope, InterestedParty
from shared.contract.events.risk import PartyKind


class RequirementIn(In):
    requirement: Item  # what the party requires, e.g. "explanations of automated decisions"
    source: Short = ""  # where it comes from: a law, a contract, a survey...


class _PartyFields(In):
    name: Name
    kind: PartyKind
    description: Text = ""
    requirements: Annotated[list[RequirementIn], Field(max_length=100)] = []
    system_ids: SystemIds = []  # AI systems the party's requirements bear on
    owner: Person | MISSING = MISSING  # left out: the author (new), else unchanged

    def content(self) -> PartyContent:
        return PartyContent(
            self.name, self.kind, self.description,
            tuple((r.requirement, r.source) for r in self.requirements), tuple(self.system_ids),
            None if self.owner is MISSING else self.owner,
        )  # fmt: skip


class PartyIn(_PartyFields):
    def to_command(self) -> RecordParty:
        return RecordParty(self.content())


class PartyRevisionIn(_PartyFields):
    def to_command(self, party_id: UUID, expected_version: int | None) -> ReviseParty:
        return ReviseParty(party_id, self.content(), expected_version)


class PartyRetireIn(ReasonIn):
    def to_command(self, party_id: UUID, expected_version: int | None) -> RetireParty:
        return RetireParty(party_id, self.reason, expected_version)


class ScopeIn(In):
    statement: Required  # the scope of the AI management system (4.3)
    boundaries: Text = ""  # organisational units, sites, activities inside it
    exclusions: Text = ""  # what is left out, and why
    system_ids: SystemIds = []  # the AI systems inside the scope
    owner: Person | MISSING = MISSING  # left out: the author (new), else unchanged

    def to_command(self, expected_version: int | None) -> SetScope:
        content = ScopeContent(
            self.statement, self.boundaries, self.exclusions, tuple(self.system_ids),
            None if self.owner is MISSING else self.owner,
        )  # fmt: skip
        return SetScope(content, expected_version)


class ScopeApprovalIn(CommentIn):
    def to_command(self, expected_version: int | None) -> ApproveScope:
        return ApproveScope(self.comment, expected_version)


def party_out(p: InterestedParty) -> dict[str, Any]:
    return {
        "id": p.id, **p.content, "status": p.status, "retired_reason": p.retired_reason,
        "recorded_by": p.recorded_by, "revisers": p.revisers, "version": p.version,
        "created_at": p.created_at, "updated_at": p.last_event_at,
    }  # fmt: skip


def scope_out(s: AIMSScope) -> dict[str, Any]:
    """The latest version, the version in force, and every version."""
    latest = s.versions[-1]
    force = s.versions[s.in_force - 1] if s.in_force else None
    return {
        **latest.content, "scope_version": latest.number, "set_by": latest.set_by,
        "approval_status": s.approval_status, "approved_by": s.approved_by,
        "approved_at": s.approved_at, "in_force_version": s.in_force,
        "in_force": None if force is None else {**force.content, "scope_version": force.number,
                                                "approved_by": force.approved_by},
        "versions": [{**v.content, "scope_version": v.number, "set_by": v.set_by,
                      "approved_by": v.approved_by} for v in s.versions],
        "author": s.author, "revisers": s.revisers, "version": s.version,
        "created_at": s.created_at, "updated_at": s.last_event_at,
    }  # fmt: skip
