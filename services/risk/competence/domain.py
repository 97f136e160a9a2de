"""Training records and competence gaps (7.2, A.4.6), without I/O.

A record gives its person a competence from `completed_at` until `expires_at` (for ever
when it has none). The gaps of a role's holder are the competences the role requires that
no record of theirs gives now: `missing` when they never held it, `expired` when every
record of it has expired. A withdrawn record counts for nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Self
from uuid import UUID

from services.risk.competence.commands import RecordTraining
from shared.contract.events.risk import TrainingRecorded, TrainingRecordWithdrawn
from shared.domain.aggregate import Aggregate, DomainEvent
from shared.domain.errors import Conflict, Invalid


def _invalid(field: str, msg: str) -> Invalid:
    errors = [{"loc": ["body", field], "msg": msg, "type": "value_error"}]
    return Invalid(msg, code="validation", errors=errors)


@dataclass
class TrainingRecord(Aggregate):
    category = "training"
    person: str = ""
    competence: str = ""
    completed_at: datetime | None = None
    expires_at: datetime | None = None
    evidence_id: UUID | None = None
    provider: str = ""
    recorded_by: str = ""
    withdrawn_reason: str | None = None

    @classmethod
    def record(cls, id: UUID, cmd: RecordTraining, by: str, now: datetime) -> Self:
        """A new record; training cannot be completed in the future or expire before it was."""
        if cmd.completed_at > now:
            raise _invalid("completed_at", "training cannot be completed in the future")
        if cmd.expires_at is not None and cmd.expires_at <= cmd.completed_at:
            raise _invalid("expires_at", "a competence expires after the training is completed")
        r = cls(id)
        r._emit(TrainingRecorded(
            record_id=id, person=cmd.person, competence=cmd.competence,
            completed_at=cmd.completed_at, expires_at=cmd.expires_at,
            evidence_id=cmd.evidence_id, provider=cmd.provider, recorded_by=by,
        ))  # fmt: skip
        return r

    def withdraw(self, reason: str, by: str) -> None:
        """Withdraw a record made in error."""
        if self.withdrawn_reason is not None:
            raise Conflict("the record is already withdrawn", code="training_withdrawn")
        self._emit(TrainingRecordWithdrawn(record_id=self.id, person=self.person,
                                           competence=self.competence, reason=reason,
                                           withdrawn_by=by))  # fmt: skip

    def status(self, now: datetime) -> str:
        """withdrawn, expired or current."""
        if self.withdrawn_reason is not None:
            return "withdrawn"
        return "expired" if self.expires_at is not None and self.expires_at <= now else "current"

    def apply(self, event: DomainEvent) -> None:
        match event:
            case TrainingRecorded():
                self.person, self.competence = event.person, event.competence
                self.completed_at, self.expires_at = event.completed_at, event.expires_at
                self.evidence_id, self.provider = event.evidence_id, event.provider
                self.recorded_by = event.recorded_by
            case TrainingRecordWithdrawn():
                self.withdrawn_reason = event.reason


@dataclass(frozen=True)
class Held:
    """A competence a person's (not withdrawn) training record gives, and until when."""

    competence: str
    record_id: UUID
    expires_at: datetime | None


def gaps(required: Iterable[str], held: Iterable[Held], now: datetime) -> dict[str, Any]:
    """For one holder of a role: the required competences current, expired and missing."""
    by_competence: dict[str, list[Held]] = {}
    for h in held:
        by_competence.setdefault(h.competence, []).append(h)
    current: list[dict[str, Any]] = []
    expired: list[dict[str, Any]] = []
    missing: list[str] = []
    for c in required:
        records = by_competence.get(c, [])
        valid = [h for h in records if h.expires_at is None or h.expires_at > now]
        if valid:
            best = max(valid, key=lambda h: (h.expires_at is None, h.expires_at or now))
            current.append({"competence": c, "record_id": best.record_id,
                            "expires_at": best.expires_at})  # fmt: skip
        elif records:
            last = max(h.expires_at or now for h in records)
            expired.append({"competence": c, "expired_at": last})
        else:
            missing.append(c)
    gap = [*missing, *(e["competence"] for e in expired)]
    return {"current": current, "expired": expired, "missing": missing, "gaps": gap,
            "complete": not gap}  # fmt: skip
