"""What MLflow posts (the delivery envelope and its payloads) and what the webhook answers.

The payload models translate a delivery into a command; a payload that does not have the
shape MLflow sends raises pydantic's ValidationError (422).
"""

from __future__ import annotations

from typing import Annotated, Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict, StringConstraints

from services.registry.mlflow.commands import (
    AliasModelVersion,
    AttachModelVersion,
    MlflowCommand,
    TagModelVersion,
)
from services.registry.mlflow.domain import Outcome, digest_of

Short = Annotated[str, StringConstraints(min_length=1, max_length=500)]


class Delivery(BaseModel):
    """The envelope MLflow posts: which entity, what happened, and its data."""

    model_config = ConfigDict(extra="ignore")
    entity: Short
    action: Short
    timestamp: str | None = None
    data: dict[str, Any]

    @property
    def kind(self) -> str:
        return f"{self.entity}.{self.action}"

    def to_command(self, system_id: UUID) -> MlflowCommand | None:
        """The command this delivery asks for; None for kinds the registry does not record."""
        match self.kind:
            case "model_version.created":
                return VersionCreated.model_validate(self.data).to_command(system_id)
            case "model_version_tag.set":
                return VersionTagSet.model_validate(self.data).to_command(system_id)
            case "model_version_alias.created":
                return VersionAliasCreated.model_validate(self.data).to_command(system_id)
        return None


class VersionCreated(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: Short
    version: Short
    source: Annotated[str, StringConstraints(max_length=2000)] = ""
    run_id: str | None = None
    tags: dict[str, str] = {}

    def to_command(self, system_id: UUID) -> AttachModelVersion:
        """A model version from MLflow takes its digest from a `sha256` or `digest` tag."""
        return AttachModelVersion(
            system_id=system_id, name=self.name, version=self.version,
            digest=digest_of(self.tags), source_uri=self.source, run_id=self.run_id,
            tags=self.tags,
        )  # fmt: skip


class VersionTagSet(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: Short
    version: Short
    key: Short
    value: Annotated[str, StringConstraints(max_length=5000)]

    def to_command(self, system_id: UUID) -> TagModelVersion:
        return TagModelVersion(system_id, self.name, self.version, self.key, self.value)


class VersionAliasCreated(BaseModel):
    model_config = ConfigDict(extra="ignore")
    name: Short
    version: Short
    alias: Short

    def to_command(self, system_id: UUID) -> AliasModelVersion:
        return AliasModelVersion(system_id, self.name, self.version, self.alias)


class WebhookOut(BaseModel):
    """What became of a delivery: recorded, duplicate (a redelivery), unchanged or ignored."""

    system_id: UUID | None = None
    event: str | None = None
    model_version_id: UUID | None = None
    status: Outcome
    reason: str | None = None
    position: int | None = None
