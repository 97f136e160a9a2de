"""What may be asked of training records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class RecordTraining:
    """Record that a person completed training giving a competence."""

    person: str
    competence: str
    completed_at: datetime
    expires_at: datetime | None = None
    evidence_id: UUID | None = None
    provider: str = ""


@dataclass(frozen=True)
class WithdrawTraining:
    """Withdraw a record made in error; it no longer counts."""

    record_id: UUID
    reason: str
    expected_version: int | None = None
