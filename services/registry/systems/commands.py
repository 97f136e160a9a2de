"""What callers ask of the inventory: typed commands, built by the API schemas."""

from __future__ import annotations

from dataclasses import dataclass
from uuid import UUID

from shared.contract.events.registry import Stage, Tier


@dataclass(frozen=True)
class RegisterSystem:
    """Add an AI system to the inventory, at the inception stage."""

    name: str
    purpose: str
    owner: str
    provider_role: str
    eu_ai_act_tier: Tier
    intended_use: str
    tags: tuple[str, ...]
    mlflow_model_names: tuple[str, ...]


@dataclass(frozen=True)
class UpdateSystem:
    """Change inventory fields; None leaves a field as it is."""

    system_id: UUID
    expected_version: int | None
    name: str | None = None
    purpose: str | None = None
    owner: str | None = None
    provider_role: str | None = None
    eu_ai_act_tier: Tier | None = None
    intended_use: str | None = None
    tags: tuple[str, ...] | None = None
    mlflow_model_names: tuple[str, ...] | None = None


@dataclass(frozen=True)
class TransitionSystem:
    """Move a system to another lifecycle stage."""

    system_id: UUID
    to: Stage
    reason: str
    expected_version: int | None


@dataclass(frozen=True)
class RegisterModelVersion:
    """Register a model version of a system (the digest without its `sha256:` prefix)."""

    system_id: UUID
    name: str
    version: str
    digest: str
    source_uri: str
