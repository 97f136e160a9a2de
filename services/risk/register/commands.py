"""What may be asked of the risk register: risks, treatments and acceptances."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from uuid import UUID

from services.risk.register.domain.taxonomy import Affected, Category, Option


@dataclass(frozen=True)
class IdentifyRisk:
    """Add a risk of an AI system to the register."""

    system_id: UUID
    title: str
    category: Category
    likelihood: int
    consequence: int
    affects: tuple[Affected, ...]
    owner: str
    description: str = ""
    source: str = ""


@dataclass(frozen=True)
class ReassessRisk:
    """Score the inherent risk again; an omitted value keeps the one it has."""

    risk_id: UUID
    likelihood: int | None
    consequence: int | None
    reason: str = ""
    expected_version: int | None = None


@dataclass(frozen=True)
class PlanTreatment:
    """Plan a treatment of a risk with the Annex A controls it relies on."""

    risk_id: UUID
    option: Option
    controls: tuple[str, ...]
    plan: str
    owner: str
    due: date
    expected_version: int | None = None


@dataclass(frozen=True)
class CompleteTreatment:
    """Record that a planned treatment has been carried out."""

    risk_id: UUID
    treatment_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class AssessResidual:
    """Score the risk that remains after treatment."""

    risk_id: UUID
    likelihood: int
    consequence: int
    expected_version: int | None = None


@dataclass(frozen=True)
class CloseRisk:
    """Close a risk that no longer applies."""

    risk_id: UUID
    reason: str
    expected_version: int | None = None


@dataclass(frozen=True)
class RequestAcceptance:
    """Ask designated management to accept a risk at its current version."""

    risk_id: UUID
    justification: str
    expires_at: datetime


@dataclass(frozen=True)
class DecideAcceptance:
    """Approve or reject an acceptance request."""

    acceptance_id: UUID
    approve: bool
    comment: str = ""


@dataclass(frozen=True)
class VoidStaleAcceptances:
    """Void the open acceptances of a risk that changed materially or expired."""

    risk_id: UUID
    now: datetime


@dataclass(frozen=True)
class VoidAcceptanceIfStale:
    """Void one acceptance if its risk changed since it was asked for, or it expired."""

    acceptance_id: UUID
    risk_id: UUID
    now: datetime


@dataclass(frozen=True)
class ExpireAcceptances:
    """Void the given acceptances that are past their expiry."""

    acceptance_ids: tuple[UUID, ...]
    now: datetime
