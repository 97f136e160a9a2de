"""What may be asked of impact assessments, and the content they state."""

from __future__ import annotations

from dataclasses import dataclass, fields
from enum import Enum
from typing import Literal
from uuid import UUID

Severity = Literal["low", "medium", "high", "critical"]
Reversibility = Literal["reversible", "partially_reversible", "irreversible"]


class Keep(Enum):
    """A revision leaves this field as it is."""

    KEEP = "keep"


KEEP = Keep.KEEP


@dataclass(frozen=True)
class ImpactContent:
    """What an assessment states (6.1.4): use, misuse, who is affected, how badly."""

    intended_use: str
    foreseeable_misuse: str = ""
    affected_individuals: str = ""
    affected_groups: str = ""
    affected_society: str = ""
    severity: Severity | None = None
    reversibility: Reversibility | None = None
    jurisdictions: tuple[str, ...] = ()
    mitigations: tuple[str, ...] = ()
    risk_ids: tuple[UUID, ...] = ()

    def document(self) -> dict[str, object]:
        """The content as the events record it (every field, ids as text)."""
        return _document(self)


@dataclass(frozen=True)
class ImpactChanges:
    """A revision of the content: only the fields not `KEEP` change."""

    intended_use: str | Keep = KEEP
    foreseeable_misuse: str | Keep = KEEP
    affected_individuals: str | Keep = KEEP
    affected_groups: str | Keep = KEEP
    affected_society: str | Keep = KEEP
    severity: Severity | None | Keep = KEEP
    reversibility: Reversibility | None | Keep = KEEP
    jurisdictions: tuple[str, ...] | Keep = KEEP
    mitigations: tuple[str, ...] | Keep = KEEP
    risk_ids: tuple[UUID, ...] | Keep = KEEP

    def document(self) -> dict[str, object]:
        """The changed fields as the events record them."""
        return _document(self)


def _document(content: ImpactContent | ImpactChanges) -> dict[str, object]:
    doc: dict[str, object] = {}
    for f in fields(content):
        value = getattr(content, f.name)
        if value is KEEP:
            continue
        if isinstance(value, tuple):
            value = [str(v) for v in value]
        doc[f.name] = value
    return doc


@dataclass(frozen=True)
class DraftImpact:
    """Start an impact assessment of an AI system."""

    system_id: UUID
    content: ImpactContent


@dataclass(frozen=True)
class ReviseImpact:
    """Change an assessment's content (it returns to draft)."""

    assessment_id: UUID
    changes: ImpactChanges
    expected_version: int | None = None


@dataclass(frozen=True)
class SubmitImpact:
    """Submit a draft for approval."""

    assessment_id: UUID
    expected_version: int | None = None


@dataclass(frozen=True)
class ApproveImpact:
    """Approve a submitted assessment (not by its author)."""

    assessment_id: UUID
    comment: str = ""
    expected_version: int | None = None


@dataclass(frozen=True)
class MarkReviewsDue:
    """Call a system's approved assessments into review after a significant change."""

    system_id: UUID
    reason: str
    position: int  # where the change is in the log; approvals after it stay approved
