"""Events of the risk service (streams `criteria-`, `risk-`, `acceptance-`, `impact-`, `soa-`)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from shared.contract.events.approvals import ApprovalRef
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
    approval: ApprovalRef | None = None  # the four-eyes approval this carries out


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
    approval: ApprovalRef | None = None  # the four-eyes approval this carries out


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
    approval: ApprovalRef | None = None  # the four-eyes approval this carries out


class RiskClosed(DomainEvent):
    risk_id: UUID
    system_id: UUID
    reason: str
    approval: ApprovalRef | None = None  # the four-eyes approval this carries out


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
    approval: ApprovalRef | None = None  # the four-eyes approval this carries out


# The management-system records (ISO/IEC 42001 clauses 4-7, A.2, A.3.2, A.4.6, A.10):
# streams `policy-`, `airole-`, `training-`, `objective-`, `supplier-`, `party-` and one
# `scope-`. Events about AI systems carry `system_ids`; people are token subjects
# (trimmed, case-folded). A record's approval is a direct decision of the
# separation-of-duties policy (`policy.approval`, `scope.approval`, `objective.approval`,
# `supplier.approval`): never by its author or anyone who revised it.
DueDiligence = Literal["not_started", "in_progress", "passed", "failed"]
Direction = Literal["at_least", "at_most"]
PartyKind = Literal[
    "top_management", "employee", "customer", "user", "affected_person", "regulator",
    "supplier", "partner", "investor", "society", "other",
]  # fmt: skip


class PolicyDrafted(DomainEvent):
    """The first version of an AI policy (5.2, A.2.2); it takes effect once approved."""

    policy_id: UUID
    policy_version: int
    title: str
    body: str = ""  # Markdown; empty when the policy is the document `evidence_id`
    evidence_id: UUID | None = None
    scope: str = ""
    control_ids: list[str] = []
    review_every_days: int
    owner: str
    author: str


class PolicyRevised(DomainEvent):
    """A new version of an AI policy; the approved version stays in force until it is approved."""

    policy_id: UUID
    policy_version: int
    title: str
    body: str = ""
    evidence_id: UUID | None = None
    scope: str = ""
    control_ids: list[str] = []
    review_every_days: int
    owner: str
    revised_by: str
    change_note: str = ""


class PolicyApproved(DomainEvent):
    """A version of the AI policy approved: it is the one in force, to be reviewed by then."""

    policy_id: UUID
    policy_version: int
    approved_by: str
    comment: str = ""
    next_review_at: datetime


class PolicyReviewed(DomainEvent):
    """A planned review (A.2.4) confirmed the version in force unchanged."""

    policy_id: UUID
    policy_version: int
    reviewed_by: str
    comment: str = ""
    next_review_at: datetime


class PolicyAcknowledged(DomainEvent):
    """A person acknowledged having read the version of the AI policy in force."""

    policy_id: UUID
    policy_version: int
    person: str


class AIRoleDefined(DomainEvent):
    """An organisation-level AI role (5.3, A.3.2): what it answers for, the competences it
    needs (7.2, A.4.6) and the people who hold it."""

    role_id: UUID
    name: str
    description: str = ""
    responsibilities: list[str] = []
    competences: list[str] = []
    members: list[str] = []
    owner: str
    defined_by: str


class AIRoleRevised(DomainEvent):
    role_id: UUID
    name: str
    description: str = ""
    responsibilities: list[str] = []
    competences: list[str] = []
    members: list[str] = []
    owner: str
    revised_by: str


class AIRoleRetired(DomainEvent):
    role_id: UUID
    reason: str
    retired_by: str


class TrainingRecorded(DomainEvent):
    """A person completed training that gives a competence (7.2, A.4.6), valid until expiry."""

    record_id: UUID
    person: str
    competence: str
    completed_at: datetime
    expires_at: datetime | None = None
    evidence_id: UUID | None = None
    provider: str = ""
    recorded_by: str


class TrainingRecordWithdrawn(DomainEvent):
    """A training record recorded in error; it no longer counts."""

    record_id: UUID
    person: str
    competence: str
    reason: str
    withdrawn_by: str


class ObjectiveSet(DomainEvent):
    """A measurable AI objective (6.2): what is measured, the target, by when, who owns it."""

    objective_id: UUID
    title: str
    measure: str
    unit: str = ""
    target: float
    direction: Direction
    baseline: float | None = None
    due: date
    owner: str
    system_ids: list[UUID] = []
    set_by: str


class ObjectiveRevised(DomainEvent):
    objective_id: UUID
    title: str
    measure: str
    unit: str = ""
    target: float
    direction: Direction
    baseline: float | None = None
    due: date
    owner: str
    system_ids: list[UUID] = []
    revised_by: str


class ObjectiveApproved(DomainEvent):
    objective_id: UUID
    system_ids: list[UUID] = []
    approved_by: str
    comment: str = ""


class ObjectiveMeasured(DomainEvent):
    """A measurement of an objective's measure (9.1 evaluation of 6.2)."""

    objective_id: UUID
    system_ids: list[UUID] = []
    measurement_id: UUID
    value: float
    measured_at: datetime
    note: str = ""
    evidence_id: UUID | None = None
    recorded_by: str


class SupplierRegistered(DomainEvent):
    """A third party supplying AI systems, models, data or services (A.10.3)."""

    supplier_id: UUID
    name: str
    services: list[str]
    contract_ref: str = ""
    due_diligence: DueDiligence
    review_every_days: int
    next_review_at: datetime
    description: str = ""
    owner: str
    system_ids: list[UUID] = []
    risk_ids: list[UUID] = []
    registered_by: str


class SupplierRevised(DomainEvent):
    supplier_id: UUID
    name: str
    services: list[str]
    contract_ref: str = ""
    due_diligence: DueDiligence
    review_every_days: int
    next_review_at: datetime
    description: str = ""
    owner: str
    system_ids: list[UUID] = []
    risk_ids: list[UUID] = []
    revised_by: str


class SupplierReviewed(DomainEvent):
    """A periodic review of a supplier, with the due-diligence status it concluded."""

    supplier_id: UUID
    system_ids: list[UUID] = []
    due_diligence: DueDiligence
    comment: str = ""
    next_review_at: datetime
    reviewed_by: str


class SupplierApproved(DomainEvent):
    """The supplier approved for use after due diligence passed."""

    supplier_id: UUID
    system_ids: list[UUID] = []
    approved_by: str
    comment: str = ""


class SupplierRetired(DomainEvent):
    supplier_id: UUID
    system_ids: list[UUID] = []
    reason: str
    retired_by: str


class PartyRequirement(BaseModel):
    """One requirement of an interested party (4.2), and where it comes from."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    requirement: str
    source: str = ""


class InterestedPartyRecorded(DomainEvent):
    """An interested party of the AI management system and its requirements (4.2)."""

    party_id: UUID
    name: str
    kind: PartyKind
    description: str = ""
    requirements: list[PartyRequirement] = []
    system_ids: list[UUID] = []
    owner: str
    recorded_by: str


class InterestedPartyRevised(DomainEvent):
    party_id: UUID
    name: str
    kind: PartyKind
    description: str = ""
    requirements: list[PartyRequirement] = []
    system_ids: list[UUID] = []
    owner: str
    revised_by: str


class InterestedPartyRetired(DomainEvent):
    party_id: UUID
    system_ids: list[UUID] = []
    reason: str
    retired_by: str


class AIMSScopeSet(DomainEvent):
    """A version of the AIMS scope statement (4.3) and the AI systems inside it; it takes
    effect once approved."""

    scope_version: int
    statement: str
    boundaries: str = ""
    exclusions: str = ""
    system_ids: list[UUID] = []
    owner: str
    set_by: str


class AIMSScopeApproved(DomainEvent):
    scope_version: int
    system_ids: list[UUID] = []
    approved_by: str
    comment: str = ""
