"""Suppliers (A.10.2, A.10.3) as aggregates: due diligence, periodic review, approval for use.

A supplier is approved for use by an approver who neither registered nor revised it
(`supplier.approval`), and only once its due diligence has `passed`. Any change to it, or
a review that no longer finds the due diligence passed, withdraws the approval until
someone approves again. It is due for review `review_every_days` after it was registered
or last reviewed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Self
from uuid import UUID

from services.risk.records.domain import APPROVED, PENDING, Approvable, next_review
from shared.contract.events.risk import (
    DueDiligence,
    SupplierApproved,
    SupplierRegistered,
    SupplierRetired,
    SupplierReviewed,
    SupplierRevised,
)
from shared.domain.aggregate import DomainEvent
from shared.domain.errors import Conflict
from shared.domain.sod import SodPolicy
from shared.kernel.requestctx import Actor

CONTENT = ("name", "services", "contract_ref", "due_diligence", "review_every_days",
           "description", "owner", "system_ids", "risk_ids")  # fmt: skip


@dataclass
class Supplier(Approvable):
    category = "supplier"
    decision = "supplier.approval"
    approval_events = (SupplierApproved,)
    content: dict[str, Any] = field(default_factory=dict)
    status: str = "active"
    next_review_at: datetime | None = None
    reviewed_by: str | None = None
    review_comment: str = ""
    retired_reason: str | None = None

    @classmethod
    def register(cls, id: UUID, content: dict[str, Any], by: str, now: datetime) -> Self:
        """A new supplier, due for review `review_every_days` from now."""
        s = cls(id)
        due = next_review(now, content["review_every_days"])
        s._emit(SupplierRegistered(supplier_id=id, registered_by=by, next_review_at=due,
                                   **content))  # fmt: skip
        return s

    @property
    def system_ids(self) -> list[UUID]:
        return list(self.content.get("system_ids") or [])

    def revise(self, content: dict[str, Any], by: str) -> None:
        """Change the supplier (nothing when unchanged); the review clock keeps its start."""
        self._check_active()
        if content == self.content:
            return
        assert self.next_review_at is not None
        start = self.next_review_at - timedelta(days=self.content["review_every_days"])
        due = next_review(start, content["review_every_days"])
        self._emit(SupplierRevised(supplier_id=self.id, revised_by=by, next_review_at=due,
                                   **content))  # fmt: skip

    def review(self, due_diligence: DueDiligence, comment: str, by: str, now: datetime) -> None:
        """A periodic review: the due-diligence status now, and the clock restarts."""
        self._check_active()
        due = next_review(now, self.content["review_every_days"])
        self._emit(SupplierReviewed(
            supplier_id=self.id, system_ids=self.system_ids, due_diligence=due_diligence,
            comment=comment, next_review_at=due, reviewed_by=by,
        ))  # fmt: skip

    def approve(self, actor: Actor, comment: str = "", sod: SodPolicy | None = None) -> None:
        """Approve the supplier for use: someone who neither registered nor revised it, once
        its due diligence has passed."""
        self.check_approver(actor, sod)
        self._check_active()
        if self.approval_status == APPROVED:
            raise Conflict("the supplier is already approved", code="supplier_approved")
        if self.content["due_diligence"] != "passed":
            raise Conflict(
                f"due diligence is {self.content['due_diligence']}; it must have passed",
                code="due_diligence_not_passed",
            )  # fmt: skip
        self._emit(SupplierApproved(supplier_id=self.id, system_ids=self.system_ids,
                                    approved_by=actor.sub, comment=comment))  # fmt: skip

    def retire(self, reason: str, by: str) -> None:
        """Stop using the supplier."""
        self._check_active()
        self._emit(SupplierRetired(supplier_id=self.id, system_ids=self.system_ids,
                                   reason=reason, retired_by=by))  # fmt: skip

    def review_due(self, now: datetime) -> bool:
        return (
            self.status == "active"
            and self.next_review_at is not None
            and (self.next_review_at <= now)
        )

    def _check_active(self) -> None:
        if self.status == "retired":
            raise Conflict("the supplier is retired", code="supplier_retired")

    def apply(self, event: DomainEvent) -> None:
        match event:
            case SupplierRegistered() | SupplierRevised():
                self.content = {k: getattr(event, k) for k in CONTENT}
                self.next_review_at = event.next_review_at
                if isinstance(event, SupplierRegistered):
                    self._written(author=event.registered_by)
                else:
                    self._written(reviser=event.revised_by)
            case SupplierReviewed():
                self.content = {**self.content, "due_diligence": event.due_diligence}
                self.next_review_at, self.reviewed_by = event.next_review_at, event.reviewed_by
                self.review_comment = event.comment
                if event.due_diligence != "passed":
                    self.approval_status, self.approved_by, self.approved_at = PENDING, None, None
            case SupplierApproved():
                self._approved(event.approved_by)
            case SupplierRetired():
                self.status, self.retired_reason = "retired", event.reason
