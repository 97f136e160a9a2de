"""Four-eyes changes, recorded in the stream of the thing they would change.

A change that lowers protection is first a `ChangeRequested`; the thing keeps its more
protective state until someone allowed to approve it does, and the change then takes
effect as the thing's own event citing the request in its `approval` field. A
`ChangeRejected` records the reason and changes nothing. Keeping request, rejection and
effect in one stream makes each decision one atomic append.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from pydantic import BaseModel, ConfigDict

from shared.domain.aggregate import DomainEvent


class ApprovalRef(BaseModel):
    """What an effect event records of the approval it carries out."""

    model_config = ConfigDict(frozen=True, extra="forbid")
    approval_id: UUID
    decision: str
    approved_by: str
    comment: str = ""


class ChangeRequested(DomainEvent):
    approval_id: UUID
    decision: str  # a decision of the separation-of-duties policy
    subject_id: UUID
    change: dict[str, Any]  # what takes effect once approved
    requested_by: str
    reason: str = ""
    basis: dict[str, Any] = {}  # the state the change was asked against
    excluded: dict[str, list[str]] = {}  # who may not approve, per relation, when asked
    sod_policy: dict[str, str] = {}  # version and sha256 of the policy in force
    system_id: UUID | None = None


class ChangeRejected(DomainEvent):
    approval_id: UUID
    decision: str
    subject_id: UUID
    rejected_by: str
    comment: str
    sod_policy: dict[str, str] = {}
    system_id: UUID | None = None
