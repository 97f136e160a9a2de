"""Request and response bodies of the registry API."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Text = Annotated[str, StringConstraints(max_length=10_000)]
Tag = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Tier = Literal["prohibited", "high", "limited", "minimal", "unassessed"]
ProviderRole = Literal[
    "provider", "producer", "deployer", "customer", "partner", "subject", "authority"
]


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
    tags: Annotated[list[Tag], Field(max_length=50)] = []


class SystemPatch(In):
    name: Name | None = None
    purpose: Text | None = None
    provider_role: ProviderRole | None = None
    eu_ai_act_tier: Tier | None = None
    intended_use: Text | None = None
    tags: Annotated[list[Tag], Field(max_length=50)] | None = None


class SystemOut(BaseModel):
    id: UUID
    name: str
    purpose: str
    owner: str
    provider_role: str
    eu_ai_act_tier: str
    intended_use: str
    tags: list[str]
    stage: str
    version: int
    created_at: datetime | None
    updated_at: datetime | None

    @classmethod
    def of(cls, s: Any) -> SystemOut:
        return cls(
            id=s.id, name=s.name, purpose=s.purpose, owner=s.owner,
            provider_role=s.provider_role, eu_ai_act_tier=s.eu_ai_act_tier,
            intended_use=s.intended_use, tags=s.tags, stage=s.stage, version=s.version,
            created_at=s.created_at, updated_at=s.last_event_at,
        )  # fmt: skip
