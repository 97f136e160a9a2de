"""Request and response bodies of the evidence API."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, StringConstraints

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Line = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=2000)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
Kind = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Sha256 = Annotated[
    str, StringConstraints(strip_whitespace=True, to_lower=True, pattern=r"^[0-9a-fA-F]{64}$")
]
ControlId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]


def utc(value: datetime | None) -> datetime | None:
    """Times without a zone are read as UTC."""
    if value is not None and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


Time = Annotated[datetime, AfterValidator(utc)]
Ids = Annotated[list[UUID], Field(max_length=100)]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


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


class UploadIn(EvidenceFields):
    """The form fields of an upload; `sha256`, when sent, must match the bytes."""

    sha256: Sha256 | None = None


class SupersedeIn(EvidenceIn):
    """The evidence that replaces this one."""


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
    def of(cls, e: Any, now: datetime | None = None) -> EvidenceOut:
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


class AuditIn(In):
    title: Name
    scope: Text
    criteria: Text
    system_ids: Ids = []
    auditors: Annotated[list[Name], Field(min_length=1, max_length=20)]
    starts_on: date
    ends_on: date


class FindingIn(In):
    kind: Literal["major_nc", "minor_nc", "observation", "improvement"]
    reference: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]
    description: Text
    system_id: UUID | None = None
    raise_nonconformity: bool = Field(False, description="major/minor NC: raise a nonconformity")
    nc_owner: Name | None = Field(None, description="owner of the raised nonconformity")


class AuditCompleteIn(In):
    summary: Text


class NonconformityIn(In):
    title: Name
    description: Text
    owner: Name
    finding_id: UUID | None = None
    audit_id: UUID | None = None
    system_id: UUID | None = None
    reference: Annotated[str, StringConstraints(strip_whitespace=True, max_length=16)] = ""


class ContainmentIn(In):
    action: Text


class RootCauseIn(In):
    root_cause: Text


class CorrectiveActionIn(In):
    description: Text
    owner: Name
    due: date


class CloseIn(In):
    effectiveness_review: Text
    effective: bool = True


class ReviewInput(In):
    kind: Literal["audit", "nonconformity", "evidence", "monitoring", "previous_actions",
                  "objectives", "risks", "other"]  # fmt: skip
    ref: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    summary: Text


class ReviewAction(In):
    description: Text
    owner: Name
    due: date | None = None


class ManagementReviewIn(In):
    title: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    held_on: date
    attendees: Annotated[list[Name], Field(min_length=1, max_length=100)]
    inputs: Annotated[list[ReviewInput], Field(max_length=200)] = []
    decisions: Annotated[list[Text], Field(max_length=200)] = []
    actions: Annotated[list[ReviewAction], Field(max_length=200)] = []
    system_ids: Ids = []
