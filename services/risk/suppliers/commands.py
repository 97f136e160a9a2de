"""What may be asked of suppliers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from uuid import UUID

from shared.contract.events.risk import DueDiligence


@dataclass(frozen=True)
class SupplierContent:
    """Who the supplier is, what it supplies, under which contract, to which systems."""

    name: str
    services: tuple[str, ...]
    due_diligence: DueDiligence
    contract_ref: str = ""
    review_every_days: int = 365
    description: str = ""
    owner: str | None = None  # None: whoever registers it, and later the owner so far
    system_ids: tuple[UUID, ...] = ()
    risk_ids: tuple[UUID, ...] = ()

    def document(self, owner: str) -> dict[str, Any]:
        """The content as the events record it (`owner` when it names none)."""
        return {
            "name": self.name, "services": list(self.services),
            "contract_ref": self.contract_ref, "due_diligence": self.due_diligence,
            "review_every_days": self.review_every_days, "description": self.description,
            "owner": self.owner or owner, "system_ids": list(self.system_ids),
            "risk_ids": list(self.risk_ids),
        }  # fmt: skip


@dataclass(frozen=True)
class RegisterSupplier:
    content: SupplierContent


@dataclass(frozen=True)
class ReviseSupplier:
    """Change a supplier (all of it); it waits for approval again."""

    supplier_id: UUID
    content: SupplierContent
    expected_version: int | None = None


@dataclass(frozen=True)
class ReviewSupplier:
    """Record a periodic review and the due-diligence status it concluded."""

    supplier_id: UUID
    due_diligence: DueDiligence
    comment: str = ""
    expected_version: int | None = None


@dataclass(frozen=True)
class ApproveSupplier:
    supplier_id: UUID
    comment: str = ""
    expected_version: int | None = None


@dataclass(frozen=True)
class RetireSupplier:
    supplier_id: UUID
    reason: str
    expected_version: int | None = None
