"""Evidence service events: evidence, audit, nc, review, checkpoint, incident, concern streams."""

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


# AI incidents (A.8.4, 10.2, EU AI Act Art. 73): streams `incident-<id>`. Every event
# carries the `system_ids` the incident names, so the registry's gate can deny new
# deployments of them while a serious incident is open (any status before closed).
Severity = Literal["low", "medium", "high", "critical"]
# Kinds of harm that make an incident serious (EU AI Act Art. 3(49)).
Harm = Literal[
    "death", "serious_harm_to_health", "critical_infrastructure_disruption",
    "fundamental_rights_infringement", "property_or_environment_harm",
]  # fmt: skip
IncidentStatus = Literal["detected", "triaged", "reported", "investigating", "resolved", "closed"]
NotificationKind = Literal["initial", "follow_up", "final"]


class IncidentReported(DomainEvent):
    """An AI incident was reported (status `detected`).

    A serious incident has a `notification_due_at`: the Art. 73 deadline computed from
    `aware_at` by the deadline rule named in `deadline_rule` (its article in
    `deadline_article`); all three are None for an incident that is not serious.
    """

    incident_id: UUID
    system_ids: list[UUID]
    title: str
    description: str
    occurred_at: datetime
    aware_at: datetime
    severity: Severity
    serious: bool
    widespread: bool = False
    harm: list[Harm] = []
    reported_by: str
    notification_due_at: datetime | None = None
    deadline_rule: str | None = None  # e.g. "art73_general"
    deadline_article: str | None = None  # e.g. "EU AI Act Art. 73(2)"
    concern_id: UUID | None = None  # the concern whose triage raised it, if any


class IncidentReclassified(DomainEvent):
    """Triage changed the classification; the deadline is recomputed from the first `aware_at`."""

    incident_id: UUID
    system_ids: list[UUID]
    serious: bool
    severity: Severity
    widespread: bool
    harm: list[Harm]
    notification_due_at: datetime | None = None
    deadline_rule: str | None = None
    deadline_article: str | None = None
    reason: str
    reclassified_by: str


class IncidentStatusChanged(DomainEvent):
    incident_id: UUID
    system_ids: list[UUID]
    frm: IncidentStatus
    to: IncidentStatus
    comment: str = ""
    changed_by: str


class IncidentNotificationSent(DomainEvent):
    """A notification to a market surveillance (or other) authority was sent."""

    incident_id: UUID
    system_ids: list[UUID]
    notification_id: UUID
    kind: NotificationKind
    authority: str
    sent_at: datetime
    reference: str = ""
    recorded_by: str
    # Initial notification of a serious incident: whether it met notification_due_at.
    on_time: bool | None = None


class IncidentNonconformityRaised(DomainEvent):
    """The incident raised nonconformity `nc_id` (10.2); its corrective action follows there."""

    incident_id: UUID
    system_ids: list[UUID]
    nc_id: UUID
    raised_by: str


class IncidentClosed(DomainEvent):
    incident_id: UUID
    system_ids: list[UUID]
    resolution: str
    closed_by: str
    frm: IncidentStatus = "resolved"


# Concerns (A.3.3): streams `concern-<id>`. An anonymous concern names no reporter in the
# log: `reporter` is None, the event's actor is "anonymous", and `reporter_sealed` holds
# the reporter sealed (AES-GCM) with the evidence service's key, so admins can see who it
# was and separation of duties can still exclude the reporter.
ConcernOutcome = Literal["incident", "dismissed"]


class ConcernRaised(DomainEvent):
    concern_id: UUID
    system_ids: list[UUID] = []
    description: str
    anonymous: bool
    reporter: str | None = None
    reporter_sealed: str | None = None


class ConcernTriaged(DomainEvent):
    concern_id: UUID
    system_ids: list[UUID] = []
    outcome: ConcernOutcome
    reason: str
    triaged_by: str
    incident_id: UUID | None = None  # the incident it became (outcome "incident")
