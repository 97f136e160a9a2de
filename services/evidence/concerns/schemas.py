"""Request and response bodies of the concerns API."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from pydantic import Field

from services.evidence.concerns.commands import IncidentFromConcern, RaiseConcern, TriageConcern
from services.evidence.concerns.domain import Concern
from services.evidence.fields import Ids, In, Name, Text, Time
from services.evidence.incidents.domain import Classification
from services.evidence.incidents.schemas import Flag, Harms, SeverityIn


class ConcernIn(In):
    description: Text
    system_ids: Ids = []
    anonymous: Flag = Field(False, description="keep the reporter's name from all but admins")

    def to_command(self) -> RaiseConcern:
        return RaiseConcern(self.description, self.system_ids, self.anonymous)


class TriageIn(In):
    outcome: Literal["incident", "dismissed"]
    reason: Text
    # Of the incident a concern becomes (outcome "incident"); defaults from the concern:
    title: Name | None = None
    system_ids: Ids | None = Field(None, description="default: the concern's systems")
    severity: SeverityIn = "medium"
    serious: Flag = False
    widespread: Flag = False
    harm: Harms = []
    occurred_at: Time | None = Field(None, description="default: aware_at")
    aware_at: Time | None = Field(None, description="default: when the concern was raised")

    def to_command(self, concern_id: UUID, expected: int | None) -> TriageConcern:
        incident = IncidentFromConcern(
            title=self.title, system_ids=self.system_ids,
            classification=Classification(self.severity, self.serious, self.widespread,
                                          tuple(self.harm)),
            occurred_at=self.occurred_at, aware_at=self.aware_at,
        )  # fmt: skip
        return TriageConcern(concern_id, self.outcome, self.reason, incident, expected)


def concern_out(c: Concern, reporter: str | None) -> dict[str, Any]:
    """A concern as the API shows it; `reporter` as this reader may see it (also as
    `reported_by`, the name incidents use)."""
    return {
        "id": c.id, "description": c.description, "system_ids": c.system_ids,
        "anonymous": c.anonymous, "reporter": reporter, "reported_by": reporter,
        "status": c.status,
        "outcome": None if c.status == "open" else c.status, "reason": c.reason,
        "triaged_by": c.triaged_by, "incident_id": c.incident_id, "version": c.version,
        "created_at": c.created_at, "updated_at": c.last_event_at,
    }  # fmt: skip
