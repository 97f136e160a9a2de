"""Request and response bodies of the audits API."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Field, StringConstraints

from services.evidence.audits.commands import (
    AddCorrectiveAction,
    CloseNonconformity,
    CompleteAudit,
    ContainNonconformity,
    PlanAudit,
    RaiseFinding,
    RaiseNonconformity,
    RecordManagementReview,
    RecordRootCause,
)
from services.evidence.audits.domain.audit import Audit
from services.evidence.audits.domain.nonconformity import Nonconformity
from services.evidence.audits.domain.review import ManagementReview
from services.evidence.fields import Day, Ids, In, Name, Text


class AuditIn(In):
    title: Name
    scope: Text
    criteria: Text
    system_ids: Ids = []
    auditors: Annotated[list[Name], Field(min_length=1, max_length=20)]
    starts_on: Day
    ends_on: Day

    def to_command(self) -> PlanAudit:
        return PlanAudit(
            title=self.title, scope=self.scope, criteria=self.criteria,
            system_ids=self.system_ids, auditors=self.auditors, starts_on=self.starts_on,
            ends_on=self.ends_on,
        )  # fmt: skip


class FindingIn(In):
    kind: Literal["major_nc", "minor_nc", "observation", "improvement"]
    reference: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]
    description: Text
    system_id: UUID | None = None
    raise_nonconformity: bool = Field(False, description="major/minor NC: raise a nonconformity")
    nc_owner: Name | None = Field(None, description="owner of the raised nonconformity")

    def to_command(self, audit_id: UUID) -> RaiseFinding:
        return RaiseFinding(
            audit_id=audit_id, kind=self.kind, reference=self.reference,
            description=self.description, system_id=self.system_id,
            raise_nonconformity=self.raise_nonconformity, nc_owner=self.nc_owner,
        )  # fmt: skip


class AuditCompleteIn(In):
    summary: Text

    def to_command(self, audit_id: UUID) -> CompleteAudit:
        return CompleteAudit(audit_id=audit_id, summary=self.summary)


class NonconformityIn(In):
    title: Name
    description: Text
    owner: Name
    finding_id: UUID | None = None
    audit_id: UUID | None = None
    system_id: UUID | None = None
    reference: Annotated[str, StringConstraints(strip_whitespace=True, max_length=16)] = ""

    def to_command(self) -> RaiseNonconformity:
        return RaiseNonconformity(
            title=self.title, description=self.description, owner=self.owner,
            finding_id=self.finding_id, audit_id=self.audit_id, system_id=self.system_id,
            reference=self.reference,
        )  # fmt: skip


class ContainmentIn(In):
    action: Text

    def to_command(self, nc_id: UUID, expected: int | None) -> ContainNonconformity:
        return ContainNonconformity(nc_id=nc_id, action=self.action, expected_version=expected)


class RootCauseIn(In):
    root_cause: Text

    def to_command(self, nc_id: UUID, expected: int | None) -> RecordRootCause:
        return RecordRootCause(nc_id=nc_id, root_cause=self.root_cause, expected_version=expected)


class CorrectiveActionIn(In):
    description: Text
    owner: Name
    due: Day

    def to_command(self, nc_id: UUID, expected: int | None) -> AddCorrectiveAction:
        return AddCorrectiveAction(
            nc_id=nc_id, description=self.description, owner=self.owner, due=self.due,
            expected_version=expected,
        )  # fmt: skip


class CloseIn(In):
    effectiveness_review: Text
    effective: bool = True

    def to_command(self, nc_id: UUID, expected: int | None) -> CloseNonconformity:
        return CloseNonconformity(
            nc_id=nc_id, effectiveness_review=self.effectiveness_review,
            effective=self.effective, expected_version=expected,
        )  # fmt: skip


class ReviewInput(In):
    kind: Literal["audit", "nonconformity", "evidence", "monitoring", "previous_actions",
                  "objectives", "risks", "other"]  # fmt: skip
    ref: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    summary: Text


class ReviewAction(In):
    description: Text
    owner: Name
    due: Day | None = None


class ManagementReviewIn(In):
    title: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    held_on: Day
    attendees: Annotated[list[Name], Field(min_length=1, max_length=100)]
    inputs: Annotated[list[ReviewInput], Field(max_length=200)] = []
    decisions: Annotated[list[Text], Field(max_length=200)] = []
    actions: Annotated[list[ReviewAction], Field(max_length=200)] = []
    system_ids: Ids = []

    def to_command(self) -> RecordManagementReview:
        """The minutes as the event keeps them: inputs and actions as text fields."""
        return RecordManagementReview(
            title=self.title, held_on=self.held_on, attendees=self.attendees,
            inputs=[{k: str(v) for k, v in i.model_dump(mode="json").items()}
                    for i in self.inputs],
            decisions=self.decisions,
            actions=[{k: "" if v is None else str(v) for k, v in a.model_dump(mode="json").items()}
                     for a in self.actions],
            system_ids=self.system_ids,
        )  # fmt: skip


def audit_out(a: Audit) -> dict[str, Any]:
    """An audit as the API shows it, with its findings."""
    return {
        "id": a.id, "title": a.title, "scope": a.scope, "criteria": a.criteria,
        "system_ids": a.system_ids, "auditors": a.auditors, "starts_on": a.starts_on,
        "ends_on": a.ends_on, "status": a.status, "summary": a.summary,
        "findings": [asdict(f) for f in a.findings.values()], "version": a.version,
        "created_at": a.created_at, "updated_at": a.last_event_at,
    }  # fmt: skip


def nc_out(nc: Nonconformity) -> dict[str, Any]:
    """A nonconformity as the API shows it, with its corrective actions."""
    skip = {"pending", "actions", "last_event_at"}
    body = {k: v for k, v in asdict(nc).items() if k not in skip}
    return {**body, "corrective_actions": [asdict(a) for a in nc.actions.values()],
            "updated_at": nc.last_event_at}  # fmt: skip


def review_out(r: ManagementReview) -> dict[str, Any]:
    """A management review's minutes as the API shows them."""
    return {k: v for k, v in asdict(r).items() if k != "pending"}
