"""Supplier request bodies (each builds its command) and the supplier as JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import MISSING, Field

from services.risk.fields import In, Name, Short, Text
from services.risk.records.schemas import (
    CommentIn,
    Item,
    NoRepeats,
    Once,
    Person,
    ReasonIn,
    ReviewDays,
    RiskIds,
    SystemIds,
)
from services.risk.suppliers.commands import (
    ApproveSupplier,
    RegisterSupplier,
    RetireSupplier,
    ReviewSupplier,
    ReviseSupplier,
    SupplierContent,
)
from services.risk.suppliers.domain import Supplier
from shared.contract.events.risk import DueDiligence

Services = Annotated[
    list[Item], Field(min_length=1, max_length=100, json_schema_extra={"uniqueItems": True}),
    NoRepeats, Once,
]  # fmt: skip


class _SupplierFields(In):
    name: Name
    services: Services  # what it supplies: models, data, hosting, labelling...
    due_diligence: DueDiligence
    contract_ref: Short = ""
    review_every_days: ReviewDays = 365
    description: Text = ""
    owner: Person | MISSING = MISSING  # left out: the author (new), else unchanged
    system_ids: SystemIds = []  # the AI systems it supplies
    risk_ids: RiskIds = []  # risks of the register it brings (they must exist)

    def content(self) -> SupplierContent:
        return SupplierContent(
            self.name, tuple(self.services), self.due_diligence, self.contract_ref,
            self.review_every_days, self.description,
            None if self.owner is MISSING else self.owner, tuple(self.system_ids),
            tuple(self.risk_ids),
        )  # fmt: skip


class SupplierIn(_SupplierFields):
    def to_command(self) -> RegisterSupplier:
        return RegisterSupplier(self.content())


class SupplierRevisionIn(_SupplierFields):
    def to_command(self, supplier_id: UUID, expected_version: int | None) -> ReviseSupplier:
        return ReviseSupplier(supplier_id, self.content(), expected_version)


class SupplierReviewIn(In):
    due_diligence: DueDiligence
    comment: Text = ""

    def to_command(self, supplier_id: UUID, expected_version: int | None) -> ReviewSupplier:
        return ReviewSupplier(supplier_id, self.due_diligence, self.comment, expected_version)


class SupplierApprovalIn(CommentIn):
    def to_command(self, supplier_id: UUID, expected_version: int | None) -> ApproveSupplier:
        return ApproveSupplier(supplier_id, self.comment, expected_version)


class SupplierRetireIn(ReasonIn):
    def to_command(self, supplier_id: UUID, expected_version: int | None) -> RetireSupplier:
        return RetireSupplier(supplier_id, self.reason, expected_version)


def supplier_out(s: Supplier, now: datetime) -> dict[str, Any]:
    return {
        "id": s.id, **s.content, "status": s.status, "retired_reason": s.retired_reason,
        "approval_status": s.approval_status, "approved_by": s.approved_by,
        "approved_at": s.approved_at, "next_review_at": s.next_review_at,
        "review_due": s.review_due(now), "reviewed_by": s.reviewed_by,
        "review_comment": s.review_comment, "author": s.author, "revisers": s.revisers,
        "version": s.version, "created_at": s.created_at, "updated_at": s.last_event_at,
    }  # fmt: skip
