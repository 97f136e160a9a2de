"""Events of the registry service (streams `system-<id>`, `decision-<id>`)."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal
from uuid import UUID

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


class SystemOwnerAssigned(DomainEvent):
    system_id: UUID
    owner: str
    previous_owner: str


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
