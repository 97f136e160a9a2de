"""The management review aggregate (9.3): minutes of inputs, attendees, decisions, actions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import Any
from uuid import UUID

from shared.contract.events.evidence import ManagementReviewRecorded
from shared.domain.aggregate import Aggregate, DomainEvent
from shared.domain.errors import Invalid


@dataclass
class ManagementReview(Aggregate):
    category = "review"
    title: str = ""
    held_on: date | None = None
    attendees: list[str] = field(default_factory=list)
    inputs: list[dict[str, str]] = field(default_factory=list)
    decisions: list[str] = field(default_factory=list)
    actions: list[dict[str, str]] = field(default_factory=list)
    system_ids: list[UUID] = field(default_factory=list)

    @classmethod
    def record(cls, id: UUID, **fields: Any) -> ManagementReview:
        """Minutes of a review; top management's decisions are the point of it."""
        if not fields["attendees"]:
            raise Invalid("a management review needs its attendees", code="no_attendees")
        review = cls(id)
        review._emit(ManagementReviewRecorded(review_id=id, **fields))
        return review

    def apply(self, event: DomainEvent) -> None:
        match event:
            case ManagementReviewRecorded():
                self.title, self.held_on = event.title, event.held_on
                self.attendees, self.inputs = list(event.attendees), list(event.inputs)
                self.decisions, self.actions = list(event.decisions), list(event.actions)
                self.system_ids = list(event.system_ids)
