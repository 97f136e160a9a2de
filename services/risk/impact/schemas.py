"""Impact-assessment request bodies (each builds its command) and the assessment as JSON."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar
from uuid import UUID

from pydantic import MISSING, Field, StringConstraints

from services.risk.fields import In, Label, Required, Text
from services.risk.impact.commands import (
    KEEP,
    ApproveImpact,
    DraftImpact,
    ImpactChanges,
    ImpactContent,
    Keep,
    Reversibility,
    ReviseImpact,
    Severity,
)
from services.risk.impact.domain import ImpactAssessment

Items = Annotated[list[Annotated[str, StringConstraints(max_length=2000)]], Field(max_length=100)]
Jurisdictions = Annotated[list[Label], Field(max_length=50)]
RiskIds = Annotated[list[UUID], Field(max_length=200)]
T = TypeVar("T")


class ImpactContentIn(In):
    intended_use: Required
    foreseeable_misuse: Text = ""
    affected_individuals: Text = ""
    affected_groups: Text = ""
    affected_society: Text = ""
    severity: Severity | None = None
    reversibility: Reversibility | None = None
    jurisdictions: Jurisdictions = []
    mitigations: Items = []
    risk_ids: RiskIds = []

    def content(self) -> ImpactContent:
        return ImpactContent(
            self.intended_use, self.foreseeable_misuse, self.affected_individuals,
            self.affected_groups, self.affected_society, self.severity, self.reversibility,
            tuple(self.jurisdictions), tuple(self.mitigations), tuple(self.risk_ids),
        )  # fmt: skip


class ImpactIn(ImpactContentIn):
    system_id: UUID

    def to_command(self) -> DraftImpact:
        return DraftImpact(self.system_id, self.content())


# Left out: unchanged (MISSING). Only severity and reversibility may be null (not stated).
class ImpactPatch(In):
    intended_use: Required | MISSING = MISSING
    foreseeable_misuse: Text | MISSING = MISSING
    affected_individuals: Text | MISSING = MISSING
    affected_groups: Text | MISSING = MISSING
    affected_society: Text | MISSING = MISSING
    severity: Severity | None | MISSING = MISSING
    reversibility: Reversibility | None | MISSING = MISSING
    jurisdictions: Jurisdictions | MISSING = MISSING
    mitigations: Items | MISSING = MISSING
    risk_ids: RiskIds | MISSING = MISSING

    def to_command(self, assessment_id: UUID, expected_version: int | None) -> ReviseImpact:
        changes = ImpactChanges(
            _kept(self.intended_use), _kept(self.foreseeable_misuse),
            _kept(self.affected_individuals), _kept(self.affected_groups),
            _kept(self.affected_society), _kept(self.severity), _kept(self.reversibility),
            _kept_all(self.jurisdictions), _kept_all(self.mitigations), _kept_all(self.risk_ids),
        )  # fmt: skip
        return ReviseImpact(assessment_id, changes, expected_version)


def _kept(value: T | MISSING) -> T | Keep:
    return KEEP if value is MISSING else value


def _kept_all(values: list[T] | MISSING) -> tuple[T, ...] | Keep:
    return KEEP if values is MISSING else tuple(values)


class ApprovalIn(In):
    comment: Text = ""

    def to_command(self, assessment_id: UUID, expected_version: int | None) -> ApproveImpact:
        return ApproveImpact(assessment_id, self.comment, expected_version)


def impact_out(ia: ImpactAssessment) -> dict[str, Any]:
    return {
        "id": ia.id, "system_id": ia.system_id, "author": ia.author, "status": ia.status,
        **ia.content, "submitted_by": ia.submitted_by, "revisers": ia.revisers,
        "submitters": ia.submitters, "approved_by": ia.approved_by,
        "review_reason": ia.review_reason, "version": ia.version, "created_at": ia.created_at,
        "updated_at": ia.last_event_at,
    }  # fmt: skip
