"""The AI policy (5.2, A.2.2-A.2.4) as an aggregate: versions, approval, review, acknowledgement.

Every version is written as an event and waits for approval; the latest approved version
is the one in force. An approver who neither drafted the policy nor wrote any version of
it approves (`policy.approval`). Approving a version that is already approved is its
planned review (A.2.4): it confirms the version and restarts the review clock. Staff
acknowledge the version in force; a new approved version needs new acknowledgements.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Self
from uuid import UUID

from services.risk.records.domain import Approvable, next_review
from shared.contract.events.risk import (
    PolicyAcknowledged,
    PolicyApproved,
    PolicyDrafted,
    PolicyReviewed,
    PolicyRevised,
)
from shared.domain.aggregate import DomainEvent
from shared.domain.errors import Conflict, NotFound
from shared.domain.sod import SodPolicy
from shared.kernel.requestctx import Actor

CONTENT = ("title", "body", "evidence_id", "scope", "control_ids", "review_every_days", "owner")


@dataclass
class PolicyVersion:
    """One version of the policy's text, who wrote it and who approved it."""

    number: int
    content: dict[str, Any]
    written_by: str
    change_note: str = ""
    written_at: datetime | None = None
    approved_by: str | None = None
    approved_at: datetime | None = None


@dataclass
class Policy(Approvable):
    category = "policy"
    decision = "policy.approval"
    approval_events = (PolicyApproved,)
    versions: list[PolicyVersion] = field(default_factory=list)
    in_force: int | None = None  # number of the approved version in force
    reviewed_by: str | None = None  # who confirmed the version in force at its last review
    reviewed_at: datetime | None = None
    next_review_at: datetime | None = None
    # version -> person -> when they acknowledged it
    acknowledgements: dict[int, dict[str, datetime | None]] = field(default_factory=dict)

    @classmethod
    def draft(cls, id: UUID, content: dict[str, Any], author: str) -> Self:
        """The first version of a new policy, waiting for approval."""
        p = cls(id)
        p._emit(PolicyDrafted(policy_id=id, policy_version=1, author=author, **content))
        return p

    @property
    def latest(self) -> PolicyVersion:
        return self.versions[-1]

    def version_numbered(self, number: int) -> PolicyVersion:
        """One version (NotFound for a number the policy never had)."""
        if not 1 <= number <= len(self.versions):
            raise NotFound(f"the policy has no version {number}", code="no_such_version")
        return self.versions[number - 1]

    def revise(self, content: dict[str, Any], by: str, change_note: str = "") -> None:
        """Write a new version (nothing when it says what the latest one says)."""
        if content == self.latest.content:
            return
        self._emit(PolicyRevised(policy_id=self.id, policy_version=len(self.versions) + 1,
                                 revised_by=by, change_note=change_note, **content))  # fmt: skip

    def approve(
        self, actor: Actor, now: datetime, comment: str = "", sod: SodPolicy | None = None
    ) -> None:
        """Approve the latest version, or (already approved) confirm it at review."""
        self.check_approver(actor, sod)
        v = self.latest
        due = next_review(now, v.content["review_every_days"])
        if v.approved_by is None:
            self._emit(PolicyApproved(policy_id=self.id, policy_version=v.number,
                                      approved_by=actor.sub, comment=comment,
                                      next_review_at=due))  # fmt: skip
        else:
            self._emit(PolicyReviewed(policy_id=self.id, policy_version=v.number,
                                      reviewed_by=actor.sub, comment=comment,
                                      next_review_at=due))  # fmt: skip

    def acknowledge(self, person: str, version: int | None = None) -> None:
        """Record that `person` read the version in force (nothing if they already said so)."""
        if self.in_force is None:
            raise Conflict("no version of this policy is approved yet", code="policy_not_approved")
        if version is not None and version != self.in_force:
            raise Conflict(
                f"version {version} is not the one in force ({self.in_force})",
                code="policy_version_not_in_force", in_force=self.in_force,
            )  # fmt: skip
        if person in self.acknowledgements.get(self.in_force, {}):
            return
        self._emit(PolicyAcknowledged(policy_id=self.id, policy_version=self.in_force,
                                      person=person))  # fmt: skip

    def review_due(self, now: datetime) -> bool:
        """The version in force is past its planned review."""
        return self.next_review_at is not None and self.next_review_at <= now

    def apply(self, event: DomainEvent) -> None:
        match event:
            case PolicyDrafted():
                self._add_version(event, event.author)
                self._written(author=event.author)
            case PolicyRevised():
                self._add_version(event, event.revised_by, event.change_note)
                self._written(reviser=event.revised_by)
            case PolicyApproved():
                self.latest.approved_by, self.in_force = event.approved_by, event.policy_version
                self._approved(event.approved_by)
                self.reviewed_by, self.reviewed_at = None, None
                self.next_review_at = event.next_review_at
            case PolicyReviewed():
                self.reviewed_by, self.next_review_at = event.reviewed_by, event.next_review_at
            case PolicyAcknowledged():
                self.acknowledgements.setdefault(event.policy_version, {})[event.person] = None

    def _add_version(self, e: PolicyDrafted | PolicyRevised, by: str, note: str = "") -> None:
        content = {k: getattr(e, k) for k in CONTENT}
        content["control_ids"] = list(content["control_ids"])
        self.versions.append(PolicyVersion(e.policy_version, content, by, note))

    def recorded(self, event: DomainEvent, actor: str | None, at: datetime | None) -> None:
        super().recorded(event, actor, at)
        match event:
            case PolicyDrafted() | PolicyRevised():
                self.versions[event.policy_version - 1].written_at = at
            case PolicyApproved():
                self.versions[event.policy_version - 1].approved_at = at
            case PolicyReviewed():
                self.reviewed_at = at
            case PolicyAcknowledged():
                self.acknowledgements[event.policy_version][event.person] = at
