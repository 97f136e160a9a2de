"""Commands of the concerns feature."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from services.evidence.incidents.domain import Classification
from shared.contract.events.evidence import ConcernOutcome


@dataclass(frozen=True)
class RaiseConcern:
    description: str
    system_ids: list[UUID]
    anonymous: bool


@dataclass(frozen=True)
class IncidentFromConcern:
    """What triage says of the incident a concern becomes (defaults from the concern)."""

    title: str | None = None
    system_ids: list[UUID] | None = None
    classification: Classification = Classification("medium", False)
    occurred_at: datetime | None = None
    aware_at: datetime | None = None


@dataclass(frozen=True)
class TriageConcern:
    concern_id: UUID
    outcome: ConcernOutcome
    reason: str
    incident: IncidentFromConcern = IncidentFromConcern()
    expected_version: int | None = None
