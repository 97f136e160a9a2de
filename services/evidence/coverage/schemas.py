"""Response body of `GET /v1/coverage`."""

from __future__ import annotations

from datetime import datetime
from typing import Literal
from uuid import UUID

from pydantic import BaseModel

Framework = Literal["iso42001", "eu-ai-act", "nist-ai-rmf"]
StatusName = Literal["met", "partial", "expired", "missing"]


class SourceOut(BaseModel):
    """A record or piece of evidence a status rests on; `href` is a path on `service`."""

    kind: Literal["soa_entry", "evidence", "evidence_list", "record"]
    id: str
    title: str
    service: Literal["registry", "risk", "evidence"]
    href: str
    status: str | None = None  # evidence: current | expired; SoA: applicable | excluded
    valid_until: datetime | None = None
    event_type: str | None = None
    count: int | None = None
    recorded_at: datetime | None = None


class MapsTo(BaseModel):
    clauses: list[str]
    controls: list[str]


class RequirementOut(BaseModel):
    id: str
    title: str
    status: StatusName
    sources: list[SourceOut]
    group: str
    description: str
    maps_to: MapsTo
    applies: bool | None = None  # EU AI Act, for one system: whether its tier is bound by it


class Summary(BaseModel):
    met: int
    partial: int
    expired: int
    missing: int


class Reference(BaseModel):
    title: str
    href: str


class CoverageOut(BaseModel):
    framework: Framework
    title: str
    version: str
    system_id: UUID | None = None  # set when the coverage is of one AI system
    computed_at: datetime
    summary: Summary
    references: list[Reference]
    requirements: list[RequirementOut]
