"""Commands of the incidents feature."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID

from services.evidence.incidents.domain import Classification
from shared.contract.events.evidence import IncidentStatus, NotificationKind


@dataclass(frozen=True)
class ReportIncident:
    system_ids: list[UUID]
    title: str
    description: str
    occurred_at: datetime
    aware_at: datetime
    classification: Classification


@dataclass(frozen=True)
class ReclassifyIncident:
    incident_id: UUID
    classification: Classification
    reason: str
    expected_version: int | None = None


@dataclass(frozen=True)
class ChangeIncidentStatus:
    incident_id: UUID
    to: IncidentStatus
    comment: str
    expected_version: int | None = None


@dataclass(frozen=True)
class RecordNotification:
    incident_id: UUID
    kind: NotificationKind
    authority: str
    sent_at: datetime
    reference: str
    expected_version: int | None = None


@dataclass(frozen=True)
class RaiseIncidentNonconformity:
    incident_id: UUID
    title: str | None = None
    description: str | None = None
    owner: str | None = None
    system_id: UUID | None = None
    reference: str = "10.2"


@dataclass(frozen=True)
class CloseIncident:
    incident_id: UUID
    resolution: str
    expected_version: int | None = None
