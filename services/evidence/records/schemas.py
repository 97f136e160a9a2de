"""Request and response bodies of the evidence records API."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Annotated, Literal
from uuid import UUID

from pydantic import BaseModel, Field, StringConstraints

from services.evidence.fields import Ids, In, Line, Name, Time
from services.evidence.records.commands import RecordEvidence
from services.evidence.records.domain import Evidence
from services.evidence.records.upload import Upload

Kind = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Sha256 = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[0-9a-fA-F]{64}$")
]
ControlId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]


class EvidenceFields(In):
    """What every piece of evidence says, whether uploaded or referenced."""

    kind: Kind
    title: Name
    system_ids: Ids = []
    control_ids: Annotated[list[ControlId], Field(max_length=38)] = []
    risk_ids: Ids = []
    collected_at: Time | None = None
    valid_until: Time | None = None
    source: Annotated[str, StringConstraints(max_length=500)] = ""
    supersedes: UUID | None = None


class EvidenceIn(EvidenceFields):
    """Evidence kept elsewhere: its sha256 and where to find it."""

    sha256: Sha256
    uri: Line

    def to_command(self) -> RecordEvidence:
        """The command recording this evidence."""
        return RecordEvidence(
            kind=self.kind, title=self.title, sha256=self.sha256, uri=self.uri,
            system_ids=self.system_ids, control_ids=self.control_ids, risk_ids=self.risk_ids,
            collected_at=self.collected_at, valid_until=self.valid_until, source=self.source,
            supersedes=self.supersedes,
        )  # fmt: skip


class UploadIn(EvidenceFields):
    """The form fields of an upload; `sha256`, when sent, must match the bytes."""

    sha256: Sha256 | None = None

    def to_command(self, upload: Upload, sha256: str) -> RecordEvidence:
        """The command recording the uploaded file, stored under its sha256."""
        return RecordEvidence(
            kind=self.kind, title=self.title, sha256=sha256, uri=f"aims:blob:sha256:{sha256}",
            system_ids=self.system_ids, control_ids=self.control_ids, risk_ids=self.risk_ids,
            collected_at=self.collected_at, valid_until=self.valid_until, source=self.source,
            supersedes=self.supersedes, stored=True, size=upload.size,
            media_type=upload.media_type, filename=upload.filename,
        )  # fmt: skip


class SupersedeIn(EvidenceIn):
    """The evidence that replaces this one."""

    def superseding(self, evidence_id: UUID) -> RecordEvidence:
        """The command recording this evidence in place of `evidence_id`."""
        return replace(self.to_command(), supersedes=evidence_id)


class EvidenceOut(BaseModel):
    id: UUID
    kind: str
    title: str
    sha256: str
    uri: str
    system_ids: list[UUID]
    control_ids: list[str]
    risk_ids: list[UUID]
    stored: bool
    size: int | None
    media_type: str | None
    filename: str | None
    collected_at: datetime | None
    valid_until: datetime | None
    source: str
    supersedes: UUID | None
    superseded_by: UUID | None
    status: Literal["current", "superseded", "expired"]
    content_url: str | None
    version: int
    created_at: datetime | None

    @classmethod
    def of(cls, e: Evidence, now: datetime | None = None) -> EvidenceOut:
        now = now or datetime.now(UTC)
        status = ("superseded" if e.superseded_by else
                  "expired" if e.valid_until and e.valid_until <= now else "current")  # fmt: skip
        fields = {k: getattr(e, k) for k in cls.model_fields if hasattr(e, k)}
        return cls(
            **{
                **fields,
                "status": status,
                "version": e.version,
                "content_url": f"/v1/evidence/{e.id}/content" if e.stored else None,
            }
        )
