"""What the gates look at: the system itself plus facts folded from risk and evidence events."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

from shared.contract import criteria as default_criteria


@dataclass(frozen=True)
class Reason:
    """Why a gate said no: a stable `code`, a message, and optional pointers (ids)."""

    code: str
    message: str
    refs: Mapping[str, str] = field(default_factory=dict)

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "message": self.message, **self.refs}


@dataclass(frozen=True)
class Fact:
    """One folded fact from another service's stream (kind: risk, acceptance, impact, ...)."""

    key: str
    kind: str
    stream_id: str
    version: int
    data: Mapping[str, Any]


@dataclass(frozen=True)
class ModelVersionView:
    """A model version registered for the system."""

    id: UUID
    name: str
    version: str
    digest: str

    def matches(self, ref: str) -> bool:
        """True when `ref` names this version (id, digest, `name/version` or `name:version`)."""
        ref = ref.strip()
        digest = ref.lower().removeprefix("sha256:")
        return (
            ref == str(self.id)
            or (bool(self.digest) and digest == self.digest)
            or ref in (f"{self.name}/{self.version}", f"{self.name}:{self.version}")
        )


@dataclass(frozen=True)
class SystemView:
    """The parts of an AI system the gates read, with its stream version."""

    id: UUID
    stream_id: str
    version: int
    stage: str
    eu_ai_act_tier: str
    intended_use: str = ""
    model_versions: Sequence[ModelVersionView] = ()

    def model_version(self, ref: str) -> ModelVersionView | None:
        """The registered version `ref` names; a bare version number must be unambiguous."""
        found = [m for m in self.model_versions if m.matches(ref)]
        if not found:
            found = [m for m in self.model_versions if m.version == ref.strip()]
        return found[0] if len(found) == 1 else None


@dataclass(frozen=True)
class GateFacts:
    """Everything one gate evaluation reads; `position` is how far the facts reach in the log."""

    system: SystemView
    facts: Sequence[Fact] = ()
    position: int = 0
    model_version: str | None = None

    def of(self, kind: str) -> list[Fact]:
        return [f for f in self.facts if f.kind == kind]

    def criteria(self) -> tuple[dict[str, Any], Fact | None]:
        """The current risk criteria (the shared default until one is set) and its fact."""
        found = self.of("criteria")
        if not found:
            return default_criteria.DEFAULT, None
        return {**default_criteria.DEFAULT, **found[0].data}, found[0]


def parse_time(value: Any) -> datetime | None:
    """A timestamp stored in a fact (ISO 8601 text) as a datetime."""
    if value is None or isinstance(value, datetime):
        return value
    return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
