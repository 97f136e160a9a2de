"""Commands of the audits feature: audits, findings, nonconformities, management reviews."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from uuid import UUID

from shared.contract.events.evidence import FindingKind


@dataclass(frozen=True)
class PlanAudit:
    title: str
    scope: str
    criteria: str
    system_ids: list[UUID]
    auditors: list[str]
    starts_on: date
    ends_on: date


@dataclass(frozen=True)
class RaiseFinding:
    audit_id: UUID
    kind: FindingKind
    reference: str
    description: str
    system_id: UUID | None = None
    raise_nonconformity: bool = False
    nc_owner: str | None = None


@dataclass(frozen=True)
class CompleteAudit:
    audit_id: UUID
    summary: str


@dataclass(frozen=True)
class RaiseNonconformity:
    title: str
    description: str
    owner: str
    finding_id: UUID | None = None
    audit_id: UUID | None = None
    system_id: UUID | None = None
    reference: str = ""


@dataclass(frozen=True)
class ContainNonconformity:
    nc_id: UUID
    action: str
    expected_version: int | None = None


@dataclass(frozen=True)
class RecordRootCause:
    nc_id: UUID
    root_cause: str
    expected_version: int | None = None


@dataclass(frozen=True)
class AddCorrectiveAction:
    nc_id: UUID
    description: str
    owner: str
    due: date
    expected_version: int | None = None


@dataclass(frozen=True)
class CompleteCorrectiveAction:
    nc_id: UUID
    action_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class CloseNonconformity:
    nc_id: UUID
    effectiveness_review: str
    effective: bool
    expected_version: int | None = None


@dataclass(frozen=True)
class RecordManagementReview:
    title: str
    held_on: date
    attendees: list[str]
    inputs: list[dict[str, str]]
    decisions: list[str]
    actions: list[dict[str, str]]
    system_ids: list[UUID]
