"""What an MLflow delivery asks of the inventory: typed commands, built by the schemas."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from uuid import UUID


@dataclass(frozen=True)
class AttachModelVersion:
    """Record a version MLflow registered on the system that claims its model."""

    system_id: UUID
    name: str
    version: str
    digest: str
    source_uri: str
    run_id: str | None
    tags: Mapping[str, str]


@dataclass(frozen=True)
class TagModelVersion:
    """Record a tag MLflow set on one of the system's model versions."""

    system_id: UUID
    name: str
    version: str
    key: str
    value: str


@dataclass(frozen=True)
class AliasModelVersion:
    """Record an alias MLflow pointed at one of the system's model versions."""

    system_id: UUID
    name: str
    version: str
    alias: str


MlflowCommand = AttachModelVersion | TagModelVersion | AliasModelVersion
