"""Events of the evidence service (evidence, audit, nc, review and checkpoint streams)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal
from uuid import NAMESPACE_URL, UUID, uuid5

from shared.domain.aggregate import DomainEvent

FindingKind = Literal["major_nc", "minor_nc", "observation", "improvement"]


class EvidenceRecorded(DomainEvent):
    evidence_id: UUID
    kind: str
    title: str
    system_ids: list[UUID] = []
    control_ids: list[str] = []
    risk_ids: list[UUID] = []
    sha256: str
    uri: str
    size: int | None = None
    media_type: str | None = None
    stored: bool = False
    collected_at: datetime
    valid_until: datetime | None = None
    source: str = ""
    supersedes: UUID | None = None
    filename: str | None = None


class EvidenceSuperseded(DomainEvent):
    evidence_id: UUID
    superseded_by: UUID
    system_ids: list[UUID] = []
    control_ids: list[str] = []


class AuditPlanned(DomainEvent):
    audit_id: UUID
    title: str
    scope: str
    criteria: str
    system_ids: list[UUID] = []
    auditors: list[str]
    starts_on: date
    ends_on: date


class FindingRaised(DomainEvent):
    audit_id: UUID
    finding_id: UUID
    kind: FindingKind
    reference: str  # a clause ("9.2") or an Annex A control ("A.6.2.4")
    description: str
    system_id: UUID | None = None
    raised_by: str


class AuditCompleted(DomainEvent):
    audit_id: UUID
    summary: str
    completed_by: str
    system_ids: list[UUID] = []


class NonconformityRaised(DomainEvent):
    nc_id: UUID
    title: str
    description: str
    owner: str
    finding_id: UUID | None = None
    audit_id: UUID | None = None
    system_id: UUID | None = None
    reference: str = ""
    raised_by: str = ""  # empty in events recorded before raisers were named


class ContainmentRecorded(DomainEvent):
    nc_id: UUID
    action: str
    system_id: UUID | None = None


class RootCauseRecorded(DomainEvent):
    nc_id: UUID
    root_cause: str
    system_id: UUID | None = None


class CorrectiveActionAdded(DomainEvent):
    nc_id: UUID
    action_id: UUID
    description: str
    owner: str
    due: date
    system_id: UUID | None = None


class CorrectiveActionCompleted(DomainEvent):
    nc_id: UUID
    action_id: UUID
    system_id: UUID | None = None
    completed_by: str = ""


class NonconformityClosed(DomainEvent):
    nc_id: UUID
    effectiveness_review: str
    effective: bool
    closed_by: str
    system_id: UUID | None = None


class ManagementReviewRecorded(DomainEvent):
    review_id: UUID
    held_on: date
    attendees: list[str]
    inputs: list[dict[str, str]]
    decisions: list[str]
    actions: list[dict[str, str]]
    title: str = ""
    system_ids: list[UUID] = []


class CheckpointSigned(DomainEvent):
    """A signed statement that the log up to `position` has head hash `head_hash`.

    The signature is Ed25519 over `checkpoint_message(position, head_hash, signed_at)`
    (services/evidence/signing.py); `public_key` is the PEM of the signing key.
    """

    position: int
    head_hash: str
    signed_at: datetime
    public_key: str
    signature: str
    key_id: str


class LogCheckpointSigned(DomainEvent):
    """A C2SP checkpoint of the Merkle tree over the first `tree_size` events, signed.

    `note` is the whole signed note (tlog-checkpoint body and the log's Ed25519 signature
    line); `head_hash` is the hash chain's value at `tree_size`, for the cheap row check.
    """

    tree_size: int
    root_hash: str
    origin: str
    note: str
    head_hash: str
    signed_at: datetime
    key_hash: str


# All checkpoints are events of this one stream (a keyed read finds the newest).
CHECKPOINT_STREAM = f"checkpoint-{uuid5(NAMESPACE_URL, 'aims:checkpoints')}"
