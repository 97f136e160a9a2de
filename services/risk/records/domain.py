"""Records whose content counts once approved by someone who did not write it (no I/O)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import ClassVar

from shared.domain.aggregate import Aggregate, DomainEvent
from shared.domain.sod import SodPolicy, default_policy
from shared.kernel.requestctx import Actor

PENDING, APPROVED = "pending", "approved"


@dataclass
class Approvable(Aggregate):
    """A record whose latest content waits for approval; its author and revisers may not give it."""

    decision: ClassVar[str]  # its decision in the separation-of-duties policy
    approval_events: ClassVar[tuple[type[DomainEvent], ...]] = ()
    author: str = ""
    revisers: list[str] = field(default_factory=list)  # everyone who wrote a later version
    approval_status: str = PENDING
    approved_by: str | None = None
    approved_at: datetime | None = None

    def relations(self) -> dict[str, set[str]]:
        """Who stands how to the record: its author and everyone who revised it."""
        return {"author": {self.author} if self.author else set(), "revisers": set(self.revisers)}

    def check_approver(self, actor: Actor, sod: SodPolicy | None = None) -> None:
        """Refuse (403) an approver the policy excludes (author, revisers) or who lacks the role."""
        (sod or default_policy()).check_decider(self.decision, actor, self.relations())

    def _written(self, *, author: str = "", reviser: str = "") -> None:
        """Fold who wrote new content; new content waits for approval again."""
        self.author = author or self.author
        if reviser and reviser not in self.revisers:
            self.revisers.append(reviser)
        self.approval_status, self.approved_by, self.approved_at = PENDING, None, None

    def _approved(self, by: str) -> None:
        self.approval_status, self.approved_by = APPROVED, by

    def recorded(self, event: DomainEvent, actor: str | None, at: datetime | None) -> None:
        if isinstance(event, self.approval_events):
            self.approved_at = at


def next_review(at: datetime, every_days: int) -> datetime:
    """When a record reviewed (or approved) at `at` is next due for review."""
    return at + timedelta(days=every_days)


def distinct(values: list[str] | tuple[str, ...]) -> list[str]:
    """The values in order, each once."""
    return list(dict.fromkeys(values))
