"""Request and response bodies of the registry API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    model_validator,
)

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(max_length=10_000)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Reason = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Tier = Literal["prohibited", "high", "limited", "minimal", "unassessed"]
Stage = Literal[
    "inception", "design", "verification", "deployment", "operation", "re_evaluation", "retired"
]
ProviderRole = Literal[
    "provider", "producer", "deployer", "customer", "partner", "subject", "authority"
]
Digest = Annotated[
    str,
    StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^(sha256:)?[0-9a-f]{64}$"),
]
Environment = Annotated[
    str, StringConstraints(strip_whitespace=True, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
]


def _distinct(names: list[str]) -> list[str]:
    if len(set(names)) != len(names):
        raise ValueError("names must be distinct")
    return names


ModelNames = Annotated[list[Name], Field(max_length=20), AfterValidator(_distinct)]
Tags = Annotated[list[Tag], Field(max_length=50), AfterValidator(_distinct)]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SystemIn(In):
    name: Name
    purpose: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)
    ]
    owner: Name
    provider_role: ProviderRole = "provider"
    eu_ai_act_tier: Tier = "unassessed"
    intended_use: Text = ""
    tags: Tags = []
    mlflow_model_names: ModelNames = []


class SystemPatch(In):
    name: Name | None = None
    purpose: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)
    ] | None = None  # fmt: skip
    owner: Name | None = None
    provider_role: ProviderRole | None = None
    eu_ai_act_tier: Tier | None = None
    intended_use: Text | None = None
    tags: Tags | None = None
    mlflow_model_names: ModelNames | None = None

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        """A field sent must have a value; leave it out to keep it unchanged."""
        if isinstance(data, dict):
            nulls = sorted(k for k, v in data.items() if v is None)
            if nulls:
                raise ValueError(f"fields cannot be null: {', '.join(nulls)}")
        return data


class TransitionIn(In):
    to: Stage
    reason: Reason


class ModelVersionIn(In):
    name: Name
    version: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]
    digest: Digest
    source_uri: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1,
                                                 max_length=2000)]  # fmt: skip


class DecisionIn(In):
    system_id: UUID
    model_version: Annotated[
        str, StringConstraints(strip_whitespace=True, min_length=1, max_length=300)
    ]
    environment: Environment


class DeploymentIn(In):
    decision_id: UUID
    system_id: UUID | None = None
    model_version: str | None = Field(None, max_length=300)
    environment: str | None = Field(None, max_length=63)
    notes: Text = ""


class ModelVersionOut(BaseModel):
    id: UUID
    name: str
    version: str
    digest: str
    source_uri: str
    source: str
    run_id: str | None
    tags: dict[str, str]
    aliases: list[str]

    @classmethod
    def of(cls, m: Any) -> ModelVersionOut:
        return cls(
            id=m.id, name=m.name, version=m.version, digest=m.digest, source_uri=m.source_uri,
            source=m.source, run_id=m.run_id, tags=m.tags, aliases=m.aliases,
        )  # fmt: skip


class SystemOut(BaseModel):
    id: UUID
    name: str
    purpose: str
    owner: str
    provider_role: str
    eu_ai_act_tier: str
    intended_use: str
    tags: list[str]
    mlflow_model_names: list[str]
    stage: str
    model_versions: list[ModelVersionOut]
    version: int
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def of(cls, s: Any) -> SystemOut:
        return cls(
            id=s.id, name=s.name, purpose=s.purpose, owner=s.owner,
            provider_role=s.provider_role, eu_ai_act_tier=s.eu_ai_act_tier,
            intended_use=s.intended_use, tags=s.tags, mlflow_model_names=s.mlflow_model_names,
            stage=s.stage, model_versions=[ModelVersionOut.of(m) for m in s.model_versions],
            version=s.version, created_at=s.created_at, updated_at=s.last_event_at,
        )  # fmt: skip


class DecisionOut(BaseModel):
    decision: Literal["allow", "deny"]
    reasons: list[dict[str, str]]
    decision_id: UUID
    system_id: UUID
    model_version: str
    environment: str
    mode: str
    policy_version: str
    policy_hash: str
    basis: dict[str, Any]
    expires_at: datetime | None
    deployment: dict[str, Any] | None = None

    @classmethod
    def of(cls, d: Any) -> DecisionOut:
        return cls(
            decision=d.decision, reasons=d.reasons, decision_id=d.id, system_id=d.system_id,
            model_version=d.model_version, environment=d.environment, mode=d.mode,
            policy_version=d.policy_version, policy_hash=d.policy_hash, basis=d.basis,
            expires_at=d.expires_at, deployment=d.deployment,
        )  # fmt: skip


class HistoryEntry(BaseModel):
    position: int
    stream_id: str
    version: int
    type: str
    data: dict[str, Any]
    actor: str | None
    roles: list[str]
    recorded_at: datetime


class History(BaseModel):
    items: list[HistoryEntry]
    next_cursor: str | None = None
