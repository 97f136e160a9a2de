"""Training-record request bodies (each builds its command) and records and gaps as JSON."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from pydantic import MISSING

from services.risk.competence.commands import RecordTraining, WithdrawTraining
from services.risk.competence.domain import TrainingRecord
from services.risk.fields import In, Short
from services.risk.records.schemas import Competence, Person, ReasonIn
from shared.http.fields import Instant


class TrainingIn(In):
    person: Person
    competence: Competence  # as the AI roles name it, e.g. `bias-testing`
    completed_at: Instant
    expires_at: Instant | MISSING = MISSING  # left out: the competence does not expire
    evidence_id: UUID | MISSING = MISSING  # a certificate, attendance list... (recorded evidence)
    provider: Short = ""

    def to_command(self) -> RecordTraining:
        return RecordTraining(
            self.person, self.competence, self.completed_at,
            None if self.expires_at is MISSING else self.expires_at,
            None if self.evidence_id is MISSING else self.evidence_id, self.provider,
        )  # fmt: skip


class WithdrawIn(ReasonIn):
    def to_command(self, record_id: UUID, expected_version: int | None) -> WithdrawTraining:
        return WithdrawTraining(record_id, self.reason, expected_version)


def training_out(r: TrainingRecord, now: datetime) -> dict[str, Any]:
    return {
        "id": r.id, "person": r.person, "competence": r.competence,
        "completed_at": r.completed_at, "expires_at": r.expires_at,
        "evidence_id": r.evidence_id, "provider": r.provider, "status": r.status(now),
        "withdrawn_reason": r.withdrawn_reason, "recorded_by": r.recorded_by,
        "version": r.version, "created_at": r.created_at, "updated_at": r.last_event_at,
    }  # fmt: skip
