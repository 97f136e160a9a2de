"""The management review aggregate (9.3): minutes of inputs, attendees, decisions, actions."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
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
    def record(
        cls, id: UUID, *, title: str, held_on: date, attendees: list[str],
        inputs: list[dict[str, str]], decisions: list[str], actions: list[dict[str, str]],
        system_ids: list[UUID],
    ) -> ManagementReview:  # fmt: skip
        """Minutes of a review; top management's decisions are the point of it."""
        if not attendees:
            raise Invalid("a management review needs its attendees", code="no_attendees")
        review = cls(id)
        review._emit(ManagementReviewRecorded(
            review_id=id, held_on=held_on, attendees=attendees, inputs=inputs,
            decisions=decisions, actions=actions, title=title, system_ids=system_ids,
        ))  # fmt: skip
        return review

    def apply(self, event: DomainEvent) -> None:
        match event:
            case ManagementReviewRecorded():
                self.title, self.held_on = event.title, event.held_on
                self.attendees, self.inputs = list(event.attendees), list(event.inputs)
                self.decisions, self.actions = list(event.decisions), list(event.actions)
                self.system_ids = list(event.system_ids)
