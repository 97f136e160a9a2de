"""Request and response bodies of the inventory API; request bodies build the commands."""

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
from pydantic.json_schema import SkipJsonSchema

from services.registry.systems.commands import (
    RegisterModelVersion,
    RegisterSystem,
    TransitionSystem,
    UpdateSystem,
)
from services.registry.systems.domain import AISystem, ModelVersion
from shared.contract.events.registry import Stage, Tier

# What `strip_whitespace` strips (Unicode White_Space), spelled for the OpenAPI patterns, so
# the document says exactly which strings are accepted: " x " is "x", "  " is refused.
WS = r"\t-\r \u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000"


def stripped(max_length: int) -> StringConstraints:
    """Text stripped of surrounding white space, then 1 to `max_length` characters."""
    return StringConstraints(
        strip_whitespace=True, min_length=1, max_length=max_length, pattern=f"[^{WS}]"
    )


def _distinct(names: list[str]) -> list[str]:
    if len(set(names)) != len(names):
        raise ValueError("names must be distinct")
    return names


def _unset() -> Any:
    """A PATCH field's default: absent means unchanged (and null is refused, not documented)."""
    return Field(None, json_schema_extra=_no_default)


def _no_default(schema: dict[str, Any]) -> None:
    schema.pop("default", None)


Name = Annotated[str, stripped(200)]
Purpose = Annotated[str, stripped(10_000)]
Text = Annotated[str, StringConstraints(max_length=10_000)]
Tag = Annotated[str, stripped(64)]
Reason = Annotated[str, stripped(2000)]
ProviderRole = Literal[
    "provider", "producer", "deployer", "customer", "partner", "subject", "authority"
]
Digest = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        to_lower=True,
        pattern=f"^[{WS}]*([Ss][Hh][Aa]256:)?[0-9A-Fa-f]{{64}}[{WS}]*$",
    ),  # fmt: skip
]
Unique = {"uniqueItems": True}
ModelNames = Annotated[
    list[Name], Field(max_length=20, json_schema_extra=Unique), AfterValidator(_distinct)
]
Tags = Annotated[
    list[Tag], Field(max_length=50, json_schema_extra=Unique), AfterValidator(_distinct)
]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SystemIn(In):
    name: Name
    purpose: Purpose
    owner: Name
    provider_role: ProviderRole = "provider"
    eu_ai_act_tier: Tier = "unassessed"
    intended_use: Text = ""
    tags: Tags = []
    mlflow_model_names: ModelNames = []

    def to_command(self) -> RegisterSystem:
        return RegisterSystem(
            name=self.name, purpose=self.purpose, owner=self.owner,
            provider_role=self.provider_role, eu_ai_act_tier=self.eu_ai_act_tier,
            intended_use=self.intended_use, tags=tuple(self.tags),
            mlflow_model_names=tuple(self.mlflow_model_names),
        )  # fmt: skip


class SystemPatch(In):
    """Fields to change; leave a field out to keep it (null is refused)."""

    name: Name | SkipJsonSchema[None] = _unset()
    purpose: Purpose | SkipJsonSchema[None] = _unset()
    owner: Name | SkipJsonSchema[None] = _unset()
    provider_role: ProviderRole | SkipJsonSchema[None] = _unset()
    eu_ai_act_tier: Tier | SkipJsonSchema[None] = _unset()
    intended_use: Text | SkipJsonSchema[None] = _unset()
    tags: Tags | SkipJsonSchema[None] = _unset()
    mlflow_model_names: ModelNames | SkipJsonSchema[None] = _unset()

    @model_validator(mode="before")
    @classmethod
    def _no_nulls(cls, data: Any) -> Any:
        """A field sent must have a value; leave it out to keep it unchanged."""
        if isinstance(data, dict):
            nulls = sorted(k for k, v in data.items() if v is None)
            if nulls:
                raise ValueError(f"fields cannot be null: {', '.join(nulls)}")
        return data

    def to_command(self, system_id: UUID, expected_version: int | None) -> UpdateSystem:
        return UpdateSystem(
            system_id=system_id, expected_version=expected_version, name=self.name,
            purpose=self.purpose, owner=self.owner, provider_role=self.provider_role,
            eu_ai_act_tier=self.eu_ai_act_tier, intended_use=self.intended_use,
            tags=None if self.tags is None else tuple(self.tags),
            mlflow_model_names=(
                None if self.mlflow_model_names is None else tuple(self.mlflow_model_names)
            ),
        )  # fmt: skip


class TransitionIn(In):
    to: Stage
    reason: Reason

    def to_command(self, system_id: UUID, expected_version: int | None) -> TransitionSystem:
        return TransitionSystem(system_id, self.to, self.reason, expected_version)


class ModelVersionIn(In):
    name: Name
    version: Annotated[str, stripped(100)]
    digest: Digest
    source_uri: Annotated[str, stripped(2000)]

    def to_command(self, system_id: UUID) -> RegisterModelVersion:
        return RegisterModelVersion(
            system_id=system_id, name=self.name, version=self.version,
            digest=self.digest.removeprefix("sha256:"), source_uri=self.source_uri,
        )  # fmt: skip


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
    def of(cls, m: ModelVersion) -> ModelVersionOut:
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
    def of(cls, s: AISystem) -> SystemOut:
        return cls(
            id=s.id, name=s.name, purpose=s.purpose, owner=s.owner,
            provider_role=s.provider_role, eu_ai_act_tier=s.eu_ai_act_tier,
            intended_use=s.intended_use, tags=s.tags, mlflow_model_names=s.mlflow_model_names,
            stage=s.stage, model_versions=[ModelVersionOut.of(m) for m in s.model_versions],
            version=s.version, created_at=s.created_at, updated_at=s.last_event_at,
        )  # fmt: skip


class SystemRow(BaseModel):
    """A system as the list shows it (the `registry.system_list` projection)."""

    id: UUID
    name: str
    owner: str
    eu_ai_act_tier: str
    provider_role: str
    stage: str
    tags: list[str]
    mlflow_model_names: list[str]
    model_versions: int
    last_decision: Literal["allow", "deny"] | None
    last_decision_id: UUID | None
    last_decision_at: datetime | None
    version: int
    created_at: datetime
    updated_at: datetime


class SystemPage(BaseModel):
    """One page of systems; pass `next_cursor` back as `cursor` for the next one."""

    items: list[SystemRow]
    next_cursor: str | None = None


class HistoryEntry(BaseModel):
    position: int
    stream_id: str
    version: int
    type: str
    data: dict[str, Any]
    actor: str | None
    roles: list[str]
    recorded_at: datetime

    @classmethod
    def of(cls, row: dict[str, Any]) -> HistoryEntry:
        """An entry from an event row, with who recorded it."""
        actor = row["metadata"].get("actor", {})
        return cls(
            position=row["position"], stream_id=row["stream_id"], version=row["version"],
            type=row["type"], data=row["data"], actor=actor.get("sub"),
            roles=actor.get("roles", []), recorded_at=row["recorded_at"],
        )  # fmt: skip


class History(BaseModel):
    items: list[HistoryEntry]
    next_cursor: str | None = None
