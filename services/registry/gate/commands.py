"""What pipelines ask of the deployment gate: typed commands, built by the API schemas."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID


@dataclass(frozen=True)
class DecideDeployment:
    """Ask whether a model version of a system may go to an environment."""

    system_id: UUID
    model_version: str
    environment: str


@dataclass(frozen=True)
class RecordDeployment:
    """Record a deployment citing a decision; the optional fields must match the decision."""

    decision_id: UUID
    notes: str = ""
    system_id: UUID | None = None
    model_version: str | None = None
    environment: str | None = None

    def target(self) -> dict[str, Any]:
        """The fields the caller named, to be compared with what the decision was made for."""
        named = {"system_id": self.system_id, "model_version": self.model_version,
                 "environment": self.environment}  # fmt: skip
        return {k: v for k, v in named.items() if v is not None}
