"""The evidence aggregate: a record that something happened, never edited, only superseded."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from shared.contract.annex_a import unknown
from shared.contract.events.evidence import EvidenceRecorded, EvidenceSuperseded
from shared.domain.aggregate import Aggregate, DomainEvent
from shared.domain.errors import Conflict, Invalid


@dataclass
class Evidence(Aggregate):
    category = "evidence"
    kind: str = ""
    title: str = ""
    sha256: str = ""
    uri: str = ""
    system_ids: list[UUID] = field(default_factory=list)
    control_ids: list[str] = field(default_factory=list)
    risk_ids: list[UUID] = field(default_factory=list)
    size: int | None = None
    media_type: str | None = None
    filename: str | None = None
    stored: bool = False
    collected_at: datetime | None = None
    valid_until: datetime | None = None
    source: str = ""
    supersedes: UUID | None = None
    superseded_by: UUID | None = None

    @classmethod
    def record(
        cls, id: UUID, *, kind: str, title: str, sha256: str, uri: str, collected_at: datetime,
        system_ids: Sequence[UUID] = (), control_ids: Sequence[str] = (),
        risk_ids: Sequence[UUID] = (), valid_until: datetime | None = None, source: str = "",
        supersedes: UUID | None = None, stored: bool = False, size: int | None = None,
        media_type: str | None = None, filename: str | None = None,
    ) -> Evidence:  # fmt: skip
        """A new piece of evidence; controls must be Annex A controls."""
        bad = unknown(list(control_ids))
        if bad:
            raise Invalid(f"unknown Annex A controls: {', '.join(bad)}", code="unknown_control",
                          controls=list(bad))  # fmt: skip
        if valid_until is not None and valid_until <= collected_at:
            raise Invalid("valid_until must be after collected_at", code="invalid_validity")
        evidence = cls(id)
        evidence._emit(EvidenceRecorded(
            evidence_id=id, kind=kind, title=title, system_ids=list(system_ids),
            control_ids=list(control_ids), risk_ids=list(risk_ids), sha256=sha256, uri=uri,
            size=size, media_type=media_type, stored=stored, collected_at=collected_at,
            valid_until=valid_until, source=source, supersedes=supersedes, filename=filename,
        ))  # fmt: skip
        return evidence

    def supersede(self, by: UUID) -> None:
        """Mark this evidence as replaced by newer evidence."""
        if self.superseded_by is not None:
            raise Conflict(f"evidence {self.id} is already superseded by {self.superseded_by}",
                           code="already_superseded")  # fmt: skip
        self._emit(
            EvidenceSuperseded(
                evidence_id=self.id,
                superseded_by=by,
                system_ids=self.system_ids,
                control_ids=self.control_ids,
            )
        )

    def apply(self, event: DomainEvent) -> None:
        match event:
            case EvidenceRecorded():
                for name in (
                    "kind",
                    "title",
                    "sha256",
                    "uri",
                    "size",
                    "media_type",
                    "stored",
                    "collected_at",
                    "valid_until",
                    "source",
                    "supersedes",
                    "filename",
                ):
                    setattr(self, name, getattr(event, name))
                self.system_ids, self.risk_ids = list(event.system_ids), list(event.risk_ids)
                self.control_ids = list(event.control_ids)
            case EvidenceSuperseded():
                self.superseded_by = event.superseded_by
