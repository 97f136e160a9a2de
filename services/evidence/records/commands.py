"""Commands of the evidence records feature."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from uuid import UUID


@dataclass(frozen=True)
class RecordEvidence:
    """Record a piece of evidence; with `supersedes`, it replaces an older record."""

    kind: str
    title: str
    sha256: str
    uri: str
    system_ids: list[UUID]
    control_ids: list[str]
    risk_ids: list[UUID]
    collected_at: datetime | None = None
    valid_until: datetime | None = None
    source: str = ""
    supersedes: UUID | None = None
    stored: bool = False
    size: int | None = None
    media_type: str | None = None
    filename: str | None = None
