"""Events of the risk service (streams `criteria-`, `risk-`, `acceptance-`, `impact-`, `soa-`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from shared.domain.aggregate import DomainEvent

Option = Literal["avoid", "modify", "share", "retain"]


class RiskCriteriaSet(DomainEvent):
    """A new version of the risk criteria (6.1.1); `matrix[l-1][c-1]` is a level name."""

    criteria_version: int
    likelihood_labels: list[str]
    consequence_labels: list[str]
    levels: list[str]  # lowest first
    matrix: list[list[str]]
    appetite: str


class RiskIdentified(DomainEvent):
    risk_id: UUID
    system_id: UUID
    title: str
    description: str = ""
    category: str
    source: str = ""
    affects: list[str]
    likelihood: int
    consequence: int
    level: str
    criteria_version: int
    owner: str


class RiskAssessed(DomainEvent):
    """A re-assessment of the inherent risk (material change: voids acceptances)."""

    risk_id: UUID
    system_id: UUID
    likelihood: int
    consequence: int
    level: str
    criteria_version: int
    reason: str = ""


class RiskTreatmentPlanned(DomainEvent):
    """A treatment (6.1.3); a material change: voids acceptances."""

    risk_id: UUID
    system_id: UUID
    treatment_id: UUID
    option: Option
    controls: list[str]
    plan: str
    owner: str
    due: date


class RiskTreatmentCompleted(DomainEvent):
    risk_id: UUID
    system_id: UUID
    treatment_id: UUID


class ResidualRiskAssessed(DomainEvent):
    risk_id: UUID
    system_id: UUID
    likelihood: int
    consequence: int
    level: str
    criteria_version: int


class RiskClosed(DomainEvent):
    risk_id: UUID
    system_id: UUID
    reason: str


class AcceptanceRequested(DomainEvent):
    acceptance_id: UUID
    risk_id: UUID
    system_id: UUID
    risk_version: int
    level: str
    justification: str
    expires_at: datetime
    requested_by: str


class AcceptanceApproved(DomainEvent):
    acceptance_id: UUID
    risk_id: UUID
    system_id: UUID
    risk_version: int
    approved_by: str
    expires_at: datetime
    comment: str = ""


class AcceptanceRejected(DomainEvent):
    acceptance_id: UUID
    risk_id: UUID
    system_id: UUID
    rejected_by: str
    comment: str = ""


class AcceptanceVoided(DomainEvent):
    """The accepted risk changed or the acceptance expired; it no longer counts."""

    acceptance_id: UUID
    risk_id: UUID
    system_id: UUID
    reason: Literal["risk_changed", "expired"]
    risk_version: int | None = None


class ImpactAssessmentDrafted(DomainEvent):
    assessment_id: UUID
    system_id: UUID
    author: str
    content: dict[str, object]


class ImpactAssessmentRevised(DomainEvent):
    assessment_id: UUID
    system_id: UUID
    content: dict[str, object]
    revised_by: str = ""  # empty in events recorded before revisers were named


class ImpactAssessmentSubmitted(DomainEvent):
    assessment_id: UUID
    system_id: UUID
    submitted_by: str


class ImpactAssessmentApproved(DomainEvent):
    assessment_id: UUID
    system_id: UUID
    approved_by: str
    comment: str = ""


class ImpactAssessmentReviewDue(DomainEvent):
    """A significant change to the system calls the approved assessment into review."""

    assessment_id: UUID
    system_id: UUID
    reason: str


class SoAEntrySet(DomainEvent):
    """A Statement of Applicability row for one Annex A control."""

    control_id: str
    applicable: bool
    justification: str
    status: str
    owner: str = ""
    deployment_gate: bool = False
