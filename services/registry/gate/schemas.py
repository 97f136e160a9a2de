"""Request and response bodies of the deployment gate API; request bodies build commands."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, StringConstraints

from services.registry.gate.commands import DecideDeployment, RecordDeployment
from services.registry.gate.domain import DeploymentDecision, Mode
from services.registry.systems.schemas import WS, Text, stripped

Environment = Annotated[
    str,
    StringConstraints(
        strip_whitespace=True,
        pattern=f"^[{WS}]*[A-Za-z0-9][A-Za-z0-9_.-]{{0,62}}[{WS}]*$",
    ),
]


class DecisionIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    system_id: UUID
    model_version: Annotated[str, stripped(300)]
    environment: Environment

    def to_command(self) -> DecideDeployment:
        return DecideDeployment(self.system_id, self.model_version, self.environment)


class DeploymentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    decision_id: UUID
    system_id: UUID | None = None
    model_version: str | None = Field(None, max_length=300)
    environment: str | None = Field(None, max_length=63)
    notes: Text = ""

    def to_command(self) -> RecordDeployment:
        return RecordDeployment(
            decision_id=self.decision_id, notes=self.notes, system_id=self.system_id,
            model_version=self.model_version, environment=self.environment,
        )  # fmt: skip


class ReasonOut(BaseModel):
    """Why the gate said no: a stable code, a message, and ids it points at (strings)."""

    model_config = ConfigDict(extra="allow")
    code: str
    message: str


class Basis(BaseModel):
    """What a decision relied on: every stream with its version, and how far in the log."""

    streams: dict[str, int]
    position: int


class DeploymentOut(BaseModel):
    deployed_by: str
    notes: str


class DecisionOut(BaseModel):
    decision: Literal["allow", "deny"]
    reasons: list[ReasonOut]
    decision_id: UUID
    system_id: UUID
    model_version: str
    environment: str
    mode: Mode
    policy_version: str
    policy_hash: str
    basis: Basis
    expires_at: datetime | None
    deployment: DeploymentOut | None = None

    @classmethod
    def of(cls, d: DeploymentDecision) -> DecisionOut:
        return cls.model_validate({
            "decision": d.decision, "reasons": d.reasons, "decision_id": d.id,
            "system_id": d.system_id, "model_version": d.model_version,
            "environment": d.environment, "mode": d.mode, "policy_version": d.policy_version,
            "policy_hash": d.policy_hash, "basis": d.basis, "expires_at": d.expires_at,
            "deployment": d.deployment,
        })  # fmt: skip
