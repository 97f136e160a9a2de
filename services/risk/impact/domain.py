"""AI system impact assessments (6.1.4, A.5): draft -> submitted -> approved -> review_due."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any, Self
from uuid import UUID

from shared.contract.events.risk import (
    ImpactAssessmentApproved,
    ImpactAssessmentDrafted,
    ImpactAssessmentReviewDue,
    ImpactAssessmentRevised,
    ImpactAssessmentSubmitted,
)
from shared.domain.aggregate import Aggregate, DomainEvent
from shared.domain.errors import Conflict, Invalid
from shared.domain.sod import SodPolicy, default_policy
from shared.kernel.eventstore import StoredEvent
from shared.kernel.requestctx import Actor

# What a submitted assessment must state.
REQUIRED_ON_SUBMIT = ("intended_use", "severity", "reversibility")
APPROVAL = "impact_assessment.approval"  # its separation-of-duties decision


@dataclass
class ImpactAssessment(Aggregate):
    category = "impact"
    system_id: UUID | None = None
    author: str = ""
    content: dict[str, Any] = field(default_factory=dict)
    status: str = "draft"
    submitted_by: str | None = None
    revisers: list[str] = field(default_factory=list)  # everyone who ever revised it
    submitters: list[str] = field(default_factory=list)  # everyone who ever submitted it
    approved_by: str | None = None
    review_reason: str | None = None
    approved_position: int | None = None  # global position of the latest approval

    @classmethod
    def draft(cls, id: UUID, system_id: UUID, author: str, content: dict[str, Any]) -> Self:
        """A new draft assessment of an AI system."""
        ia = cls(id)
        ia._emit(
            ImpactAssessmentDrafted(assessment_id=id, system_id=system_id, author=author,
                                    content=content)
        )  # fmt: skip
        return ia

    @classmethod
    def replay(cls, id: UUID, events: Iterable[StoredEvent]) -> Self:
        """Rebuild, remembering where in the global log it was last approved."""
        events = list(events)
        ia = super().replay(id, events)
        approvals = [e.position for e in events if e.type == "ImpactAssessmentApproved"]
        ia.approved_position = max(approvals, default=None)
        return ia

    @property
    def assessed_system_id(self) -> UUID:
        """The AI system assessed (its draft names it)."""
        assert self.system_id is not None
        return self.system_id

    def revise(self, changes: dict[str, Any], actor: Actor) -> None:
        """Change the content; a revision of an approved or review-due one starts a new draft."""
        if self.status == "submitted":
            raise Conflict("a submitted assessment is under review", code="impact_submitted")
        content = {**self.content, **changes}
        if content == self.content:
            return
        self._emit(
            ImpactAssessmentRevised(assessment_id=self.id, system_id=self.assessed_system_id,
                                    content=content, revised_by=actor.sub)
        )  # fmt: skip

    def submit(self, actor: Actor) -> None:
        """Submit a complete draft for approval."""
        if self.status != "draft":
            raise Conflict(f"only a draft can be submitted; it is {self.status}",
                           code=f"impact_{self.status}")  # fmt: skip
        missing = [k for k in REQUIRED_ON_SUBMIT if not self.content.get(k)]
        if missing:
            raise Invalid(
                f"a submitted assessment must state {', '.join(missing)}", code="incomplete",
                errors=[{"loc": ["body", k], "msg": "required before submission",
                         "type": "missing"} for k in missing],
            )  # fmt: skip
        self._emit(
            ImpactAssessmentSubmitted(assessment_id=self.id, system_id=self.assessed_system_id,
                                      submitted_by=actor.sub)
        )  # fmt: skip

    def relations(self, system_owner: str | None) -> dict[str, set[str]]:
        """Who stands how to the assessment: author, revisers, submitters, system owner."""
        return {
            "author": {self.author}, "revisers": set(self.revisers),
            "submitters": set(self.submitters),
            "system_owner": {system_owner} if system_owner else set(),
        }  # fmt: skip

    def approve(
        self, actor: Actor, comment: str = "", system_owner: str | None = None,
        sod: SodPolicy | None = None,
    ) -> None:  # fmt: skip
        """Approve a submitted assessment: by an approver who is none of the people the
        separation-of-duties policy excludes (author, revisers, submitters, system owner)."""
        (sod or default_policy()).check_decider(APPROVAL, actor, self.relations(system_owner))
        if self.status != "submitted":
            raise Conflict(f"only a submitted assessment can be approved; it is {self.status}",
                           code=f"impact_{self.status}")  # fmt: skip
        self._emit(
            ImpactAssessmentApproved(assessment_id=self.id, system_id=self.assessed_system_id,
                                     approved_by=actor.sub, comment=comment)
        )  # fmt: skip

    def mark_review_due(self, reason: str, changed_at_position: int) -> None:
        """Call an approval into review after a significant change that came after it."""
        if self.status != "approved" or self.approved_position is None:
            return
        if self.approved_position >= changed_at_position:
            return
        self._emit(
            ImpactAssessmentReviewDue(assessment_id=self.id, system_id=self.assessed_system_id,
                                      reason=reason)
        )  # fmt: skip

    def apply(self, event: DomainEvent) -> None:
        match event:
            case ImpactAssessmentDrafted():
                self.system_id, self.author = event.system_id, event.author
                self.content, self.status = dict(event.content), "draft"
            case ImpactAssessmentRevised():
                self.content, self.status = dict(event.content), "draft"
                if event.revised_by and event.revised_by not in self.revisers:
                    self.revisers.append(event.revised_by)
            case ImpactAssessmentSubmitted():
                self.status, self.submitted_by = "submitted", event.submitted_by
                if event.submitted_by not in self.submitters:
                    self.submitters.append(event.submitted_by)
            case ImpactAssessmentApproved():
                self.status, self.approved_by = "approved", event.approved_by
                self.review_reason = None
            case ImpactAssessmentReviewDue():
                self.status, self.review_reason = "review_due", event.reason
