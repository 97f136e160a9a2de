"""Request bodies of the risk API, and the JSON shapes of its aggregates."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any, Literal
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints

from services.risk.domain.soa import Status
from services.risk.domain.taxonomy import Affected, Category, Option

Name = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=200)]
Label = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=64)]
Text = Annotated[str, StringConstraints(strip_whitespace=True, max_length=10_000)]
Required = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=10_000)]
ControlId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=16)]
# Upper bound only; the current criteria decide the real scale (1-5 by default).
Value = Annotated[int, Field(ge=1, le=20)]


class In(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CriteriaIn(In):
    likelihood_labels: Annotated[list[Label], Field(min_length=2, max_length=10)]
    consequence_labels: Annotated[list[Label], Field(min_length=2, max_length=10)]
    levels: Annotated[list[Label], Field(min_length=2, max_length=10)]
    matrix: Annotated[list[Annotated[list[Label], Field(max_length=10)]], Field(max_length=10)]
    appetite: Label


class RiskIn(In):
    system_id: UUID
    title: Name
    category: Category
    likelihood: Value
    consequence: Value
    affects: Annotated[list[Affected], Field(min_length=1, max_length=4)]
    owner: Name
    description: Text = ""
    source: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""


class AssessmentIn(In):
    likelihood: Value | None = None
    consequence: Value | None = None
    reason: Text = ""


class TreatmentIn(In):
    option: Option
    controls: Annotated[list[ControlId], Field(max_length=38)] = []
    plan: Required
    owner: Name
    due: date


class ResidualIn(In):
    likelihood: Value
    consequence: Value


class CloseIn(In):
    reason: Required


class AcceptanceRequestIn(In):
    justification: Required
    expires_at: AwareDatetime


class DecisionIn(In):
    comment: Text = ""


Severity = Literal["low", "medium", "high", "critical"]
Reversibility = Literal["reversible", "partially_reversible", "irreversible"]
Items = Annotated[list[Annotated[str, StringConstraints(max_length=2000)]], Field(max_length=100)]


class ImpactContent(In):
    intended_use: Required
    foreseeable_misuse: Text = ""
    affected_individuals: Text = ""
    affected_groups: Text = ""
    affected_society: Text = ""
    severity: Severity | None = None
    reversibility: Reversibility | None = None
    jurisdictions: Annotated[list[Label], Field(max_length=50)] = []
    mitigations: Items = []
    risk_ids: Annotated[list[UUID], Field(max_length=200)] = []


class ImpactIn(ImpactContent):
    system_id: UUID


class ImpactPatch(In):
    intended_use: Required | None = None
    foreseeable_misuse: Text | None = None
    affected_individuals: Text | None = None
    affected_groups: Text | None = None
    affected_society: Text | None = None
    severity: Severity | None = None
    reversibility: Reversibility | None = None
    jurisdictions: Annotated[list[Label], Field(max_length=50)] | None = None
    mitigations: Items | None = None
    risk_ids: Annotated[list[UUID], Field(max_length=200)] | None = None


class SoAIn(In):
    applicable: bool
    justification: Required
    status: Status | None = None
    owner: Annotated[str, StringConstraints(strip_whitespace=True, max_length=200)] = ""
    deployment_gate: bool = False


def criteria_out(c: Any) -> dict[str, Any]:
    return {**c.current, "updated_at": c.last_event_at}


def _score(s: Any) -> dict[str, Any] | None:
    return None if s is None else {
        "likelihood": s.likelihood, "consequence": s.consequence, "level": s.level,
        "criteria_version": s.criteria_version,
    }  # fmt: skip


def treatment_out(risk_id: UUID, t: Any) -> dict[str, Any]:
    return {
        "id": t.id, "risk_id": risk_id, "option": t.option, "controls": t.controls,
        "plan": t.plan, "owner": t.owner, "due": t.due, "status": t.status,
    }  # fmt: skip


def acceptance_out(a: Any, now: Any) -> dict[str, Any]:
    return {
        "id": a.id, "risk_id": a.risk_id, "system_id": a.system_id,
        "risk_version": a.risk_version, "level": a.level, "justification": a.justification,
        "expires_at": a.expires_at, "requested_by": a.requested_by,
        "status": a.effective_status(now), "decided_by": a.decided_by, "comment": a.comment,
        "void_reason": a.void_reason, "version": a.version, "created_at": a.created_at,
        "updated_at": a.last_event_at,
    }  # fmt: skip


def risk_out(r: Any, criteria: Any, acceptances: list[Any], now: Any) -> dict[str, Any]:
    valid = [a for a in acceptances if a.is_valid(r, now)]
    status = r.status
    if valid and status != "closed":
        status = "accepted"
    return {
        "id": r.id, "system_id": r.system_id, "title": r.title, "description": r.description,
        "category": r.risk_category, "source": r.source, "affects": r.affects, "owner": r.owner,
        "likelihood": r.inherent.likelihood, "consequence": r.inherent.consequence,
        "level": r.inherent.level, "criteria_version": r.inherent.criteria_version,
        "residual": _score(r.residual), "current_level": r.current.level,
        "above_appetite": r.above_appetite(criteria), "status": status,
        "acceptance": acceptance_out(valid[-1], now) if valid else None,
        "treatments": [treatment_out(r.id, t) for t in r.treatments.values()],
        "closed_reason": r.closed_reason, "version": r.version, "created_at": r.created_at,
        "updated_at": r.last_event_at,
    }  # fmt: skip


def impact_out(ia: Any) -> dict[str, Any]:
    return {
        "id": ia.id, "system_id": ia.system_id, "author": ia.author, "status": ia.status,
        **ia.content, "submitted_by": ia.submitted_by, "approved_by": ia.approved_by,
        "review_reason": ia.review_reason, "version": ia.version, "created_at": ia.created_at,
        "updated_at": ia.last_event_at,
    }  # fmt: skip


def soa_entry_out(e: Any) -> dict[str, Any]:
    return {
        "control_id": e.control_id, "applicable": e.applicable,
        "justification": e.justification, "status": e.status, "owner": e.owner,
        "deployment_gate": e.deployment_gate, "version": e.version,
        "updated_at": e.last_event_at,
    }  # fmt: skip
