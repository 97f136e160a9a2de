"""Events of the registry service (streams `system-<id>`, `decision-<id>`, and for systems in
operation `oversight-<id>`, `monitoring-<id>`, `breach-<id>`, `telemetry-<id>`; for their
resources `responsibilities-<id>`, `dataset-<id>`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from shared.contract.events.approvals import ApprovalRef
from shared.domain.aggregate import DomainEvent

Tier = Literal["prohibited", "high", "limited", "minimal", "unassessed"]
Stage = Literal[
    "inception", "design", "verification", "deployment", "operation", "re_evaluation", "retired"
]


class SystemRegistered(DomainEvent):
    system_id: UUID
    name: str
    purpose: str
    owner: str
    provider_role: str
    eu_ai_act_tier: Tier
    intended_use: str = ""
    tags: list[str] = []
    # Registered-model names in MLflow whose versions belong to this system.
    mlflow_model_names: list[str] = []


class SystemUpdated(DomainEvent):
    """Changed inventory fields; `significant` marks changes that call for re-assessment."""

    system_id: UUID
    changes: dict[str, Any]
    significant: bool = False
    approval: ApprovalRef | None = None  # the four-eyes approval this carries out


class SystemOwnerAssigned(DomainEvent):
    system_id: UUID
    owner: str
    previous_owner: str
    approval: ApprovalRef | None = None  # the four-eyes approval this carries out


class SystemStageChanged(DomainEvent):
    system_id: UUID
    frm: Stage
    to: Stage
    reason: str
    policy_version: str
    policy_hash: str
    basis: dict[str, Any] = {}


class SystemRetired(DomainEvent):
    system_id: UUID
    reason: str


class ModelVersionRegistered(DomainEvent):
    system_id: UUID
    model_version_id: UUID
    name: str
    version: str
    digest: str
    source_uri: str
    source: str = "api"
    run_id: str | None = None
    tags: dict[str, str] = {}


class ModelVersionTagSet(DomainEvent):
    """A tag set on a model version in the model registry it came from."""

    system_id: UUID
    model_version_id: UUID
    name: str
    version: str
    key: str
    value: str
    source: str = "mlflow"


class ModelVersionAliasSet(DomainEvent):
    """An alias (e.g. "champion") pointed at a model version."""

    system_id: UUID
    model_version_id: UUID
    name: str
    version: str
    alias: str
    source: str = "mlflow"


class DeploymentDecisionMade(DomainEvent):
    """One answer of the deployment gate, with everything it relied on."""

    decision_id: UUID
    system_id: UUID
    model_version: str
    environment: str
    decision: Literal["allow", "deny"]
    mode: Literal["enforce", "warn", "off"]
    reasons: list[dict[str, str]]
    policy_version: str
    policy_hash: str
    basis: dict[str, Any]
    expires_at: datetime


class DeploymentRecorded(DomainEvent):
    decision_id: UUID
    system_id: UUID
    model_version: str
    environment: str
    deployed_by: str
    notes: str = ""


# Systems in operation (A.9, A.6.2.6, 9.1; EU AI Act Art. 14 and 72). Streams:
# `oversight-<system_id>` (who oversees the system and how), `monitoring-<system_id>` (its
# monitoring plan and the plan's reviews), `breach-<breach_id>` (a threshold breach and its
# review) and `telemetry-<system_id>` (periodic summaries of the raw observations, which
# stay out of the log).
MetricKind = Literal["drift", "performance", "fairness", "override_rate", "custom"]
BreachDecision = Literal["accept", "retrain", "retire"]


class _Part(BaseModel):
    """A value inside an event (not an event of its own)."""

    model_config = ConfigDict(frozen=True, extra="forbid")


class OversightAssigned(DomainEvent):
    """Who oversees a system in use, with what measures, and how it is stopped (Art. 14)."""

    system_id: UUID
    overseers: list[str]
    measures: str
    can_override: bool
    stop_procedure: str


class Threshold(_Part):
    """Crossed when an observed value is greater (`gt`) or less (`lt`) than `value`."""

    op: Literal["gt", "lt"]
    value: float


class MonitoredMetric(_Part):
    """One metric of a monitoring plan; `window` is its summary period (e.g. 1h, 1d)."""

    name: str
    kind: MetricKind
    threshold: Threshold
    window: str


class MonitoringPlanSet(DomainEvent):
    """A system's monitoring plan, as set by its owner; it is due for review at `review_due_at`."""

    system_id: UUID
    metrics: list[MonitoredMetric]
    review_every_days: int
    review_due_at: datetime


class MonitoringPlanReviewed(DomainEvent):
    """The owner confirmed the plan unchanged; the next review is due at `review_due_at`."""

    system_id: UUID
    review_due_at: datetime


class Observation(_Part):
    """One observation of a metric, as a monitoring job reported it."""

    metric: str
    value: float
    observed_at: datetime
    model_version: str = ""
    source: str = ""


class ObservationsSummarized(DomainEvent):
    """The observations of one metric received from `since` to `until`, in figures.

    `crossings` counts the observations that crossed the metric's threshold (the first of
    an episode also opened a breach; the others are counted here while it awaits review).
    """

    system_id: UUID
    metric: str
    count: int
    min: float
    max: float
    mean: float
    last: float
    first_observed_at: datetime
    last_observed_at: datetime
    crossings: int
    since: datetime
    until: datetime


class MonitoringThresholdBreached(DomainEvent):
    """Observations of a metric crossed its threshold; the system needs a review (9.1)."""

    breach_id: UUID
    system_id: UUID
    metric: str
    kind: MetricKind
    threshold: Threshold
    window: str
    observations: list[Observation]
    plan_version: int


class MonitoringBreachReviewed(DomainEvent):
    """An approver's decision on a breach; it clears the breach from the deployment gate."""

    breach_id: UUID
    system_id: UUID
    metric: str
    decision: BreachDecision
    comment: str
    reviewed_by: str


class GatePolicyAdopted(DomainEvent):
    """A gate policy put in force through the API, approved by a second person."""

    version: str
    sha256: str
    document: str  # the policy's YAML text, exactly as proposed
    approval: ApprovalRef | None = None


# Resources of AI systems (5.3, A.3.2, A.4.3, A.7; EU AI Act Art. 10). Streams:
# `responsibilities-<system_id>` (who is accountable, responsible, consulted and informed
# for a system) and `dataset-<id>` (a data resource: its current description, data version
# and digest, and the systems and model versions it is linked to). A dataset event states
# the whole record, so the systems it no longer names are plain to every reader.
DataUse = Literal["training", "validation", "testing", "operation", "other"]
CheckResult = Literal["passed", "failed", "warning"]


class ResponsibilitiesAssigned(DomainEvent):
    """Who answers for a system (RACI; subjects as in their tokens)."""

    system_id: UUID
    accountable: str
    responsible: list[str]
    consulted: list[str]
    informed: list[str]


class QualityCheck(_Part):
    """One data-quality check run on a dataset version (A.7.4) and its result."""

    name: str
    result: CheckResult
    details: str = ""


class DatasetRegistered(DomainEvent):
    """A data resource entered the inventory, with its provenance and links."""

    dataset_id: UUID
    name: str
    owner: str
    source: str
    provenance: str
    licence: str
    personal_data: bool
    quality_checks: list[QualityCheck]
    version: str  # the data's own version, e.g. "2025-05"
    digest: str  # sha256 of the data at that version
    use: DataUse
    system_ids: list[UUID]
    model_version_ids: list[UUID]


class DatasetRevised(DomainEvent):
    """The dataset's record as it is now; `changed` names the fields this revision set."""

    dataset_id: UUID
    name: str
    owner: str
    source: str
    provenance: str
    licence: str
    personal_data: bool
    quality_checks: list[QualityCheck]
    version: str
    digest: str
    use: DataUse
    system_ids: list[UUID]
    model_version_ids: list[UUID]
    changed: list[str]
