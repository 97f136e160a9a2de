"""Request and response bodies of the incidents API."""

from __future__ import annotations

from dataclasses import asdict
from datetime import datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import Field, StringConstraints

from services.evidence.fields import In, Name, Text, Time
from services.evidence.incidents.commands import (
    ChangeIncidentStatus,
    CloseIncident,
    RaiseIncidentNonconformity,
    ReclassifyIncident,
    RecordNotification,
    ReportIncident,
)
from services.evidence.incidents.domain import Classification, Incident

SeverityIn = Literal["low", "medium", "high", "critical"]
HarmIn = Literal[
    "death", "serious_harm_to_health", "critical_infrastructure_disruption",
    "fundamental_rights_infringement", "property_or_environment_harm",
]  # fmt: skip
Status = Literal["detected", "triaged", "reported", "investigating", "resolved", "closed"]
# `closed` is reached only through /close, with a resolution.
MovableTo = Literal["detected", "triaged", "reported", "investigating", "resolved"]
SystemIds = Annotated[list[UUID], Field(min_length=1, max_length=100)]
Harms = Annotated[list[HarmIn], Field(max_length=5, description="Art. 3(49) harms")]
Reference = Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)]
Flag = Annotated[bool, Field(strict=True)]  # JSON true or false; not 0, 1 or "yes"


class ClassificationIn(In):
    severity: SeverityIn
    serious: Flag = Field(False, description="a serious incident (Art. 3(49)): Art. 73 applies")
    widespread: Flag = Field(False, description="a widespread infringement (Art. 3(61))")
    harm: Harms = []

    def classification(self) -> Classification:
        return Classification(self.severity, self.serious, self.widespread, tuple(self.harm))


class IncidentIn(ClassificationIn):
    system_ids: SystemIds
    title: Name
    description: Text
    occurred_at: Time
    aware_at: Time = Field(description="when the organisation became aware: the Art. 73 clock")

    def to_command(self) -> ReportIncident:
        return ReportIncident(
            system_ids=self.system_ids, title=self.title, description=self.description,
            occurred_at=self.occurred_at, aware_at=self.aware_at,
            classification=self.classification(),
        )  # fmt: skip


class ReclassifyIn(ClassificationIn):
    reason: Text

    def to_command(self, incident_id: UUID, expected: int | None) -> ReclassifyIncident:
        return ReclassifyIncident(incident_id, self.classification(), self.reason, expected)


class StatusChangeIn(In):
    to: MovableTo = Field(description="the next status; `closed` only through /close")
    comment: Annotated[str, StringConstraints(strip_whitespace=True, max_length=2000)] = ""

    def to_command(self, incident_id: UUID, expected: int | None) -> ChangeIncidentStatus:
        return ChangeIncidentStatus(incident_id, self.to, self.comment, expected)


class CloseIn(In):
    resolution: Text

    def to_command(self, incident_id: UUID, expected: int | None) -> CloseIncident:
        return CloseIncident(incident_id, self.resolution, expected)


class NotificationIn(In):
    authority: Name
    sent_at: Time
    reference: Reference = ""
    kind: Literal["initial", "follow_up", "final"]

    def to_command(self, incident_id: UUID, expected: int | None) -> RecordNotification:
        return RecordNotification(
            incident_id, self.kind, self.authority, self.sent_at, self.reference, expected
        )


class IncidentNonconformityIn(In):
    title: Name | None = None
    description: Text | None = None
    owner: Name | None = Field(default=None, description="default: the owner of the system")
    system_id: UUID | None = Field(
        default=None, description="one of the incident's; default the first"
    )
    reference: Annotated[str, StringConstraints(strip_whitespace=True, max_length=16)] = "10.2"

    def to_command(self, incident_id: UUID) -> RaiseIncidentNonconformity:
        return RaiseIncidentNonconformity(
            incident_id, self.title, self.description, self.owner, self.system_id,
            self.reference,
        )  # fmt: skip


def incident_out(inc: Incident, now: datetime) -> dict[str, Any]:
    """An incident as the API shows it, with its deadline, notifications and history."""
    initial = inc.initial_notification()
    return {
        "id": inc.id, "system_ids": inc.system_ids, "title": inc.title,
        "description": inc.description, "occurred_at": inc.occurred_at,
        "aware_at": inc.aware_at, "severity": inc.severity, "serious": inc.serious,
        "widespread": inc.widespread, "harm": inc.harm, "status": inc.status,
        "reported_by": inc.reported_by, "concern_id": inc.concern_id,
        "notification_due_at": inc.notification_due_at, "deadline_rule": inc.deadline_rule,
        "deadline_article": inc.deadline_article, "overdue": inc.overdue(now),
        "initial_notified_at": initial.sent_at if initial else None,
        "notifications": [asdict(n) for n in inc.notifications],
        "nonconformity_ids": inc.nonconformity_ids, "history": inc.history,
        "resolution": inc.resolution, "closed_by": inc.closed_by,
        "closed_at": inc.last_event_at if inc.status == "closed" else None, "version": inc.version,
        "created_at": inc.created_at, "updated_at": inc.last_event_at,
    }  # fmt: skip
