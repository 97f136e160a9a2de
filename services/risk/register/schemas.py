"""Register request bodies (each builds its command) and the JSON shapes of its aggregates."""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any
from uuid import UUID

from pydantic import AwareDatetime, Field

from services.risk.criteria.domain import RiskCriteria
from services.risk.fields import ControlId, In, Name, Required, Short, Text, Value
from services.risk.register.commands import (
    AssessResidual,
    CloseRisk,
    DecideAcceptance,
    IdentifyRisk,
    PlanTreatment,
    ReassessRisk,
    RequestAcceptance,
)
from services.risk.register.domain import Acceptance, Risk, Score, Treatment
from services.risk.register.domain.taxonomy import Affected, Category, Option


class RiskIn(In):
    system_id: UUID
    title: Name
    category: Category
    likelihood: Value
    consequence: Value
    affects: Annotated[list[Affected], Field(min_length=1, max_length=4)]
    owner: Name
    description: Text = ""
    source: Short = ""

    def to_command(self) -> IdentifyRisk:
        return IdentifyRisk(
            self.system_id, self.title, self.category, self.likelihood, self.consequence,
            tuple(self.affects), self.owner, self.description, self.source,
        )  # fmt: skip


class AssessmentIn(In):
    likelihood: Value | None = None
    consequence: Value | None = None
    reason: Text = ""

    def to_command(self, risk_id: UUID, expected_version: int | None) -> ReassessRisk:
        return ReassessRisk(
            risk_id, self.likelihood, self.consequence, self.reason, expected_version
        )


class TreatmentIn(In):
    option: Option
    controls: Annotated[list[ControlId], Field(max_length=38)] = []
    plan: Required
    owner: Name
    due: date

    def to_command(self, risk_id: UUID, expected_version: int | None) -> PlanTreatment:
        return PlanTreatment(
            risk_id, self.option, tuple(self.controls), self.plan, self.owner, self.due,
            expected_version,
        )  # fmt: skip


class ResidualIn(In):
    likelihood: Value
    consequence: Value

    def to_command(self, risk_id: UUID, expected_version: int | None) -> AssessResidual:
        return AssessResidual(risk_id, self.likelihood, self.consequence, expected_version)


class CloseIn(In):
    reason: Required

    def to_command(self, risk_id: UUID, expected_version: int | None) -> CloseRisk:
        return CloseRisk(risk_id, self.reason, expected_version)


class AcceptanceRequestIn(In):
    justification: Required
    expires_at: AwareDatetime

    def to_command(self, risk_id: UUID) -> RequestAcceptance:
        return RequestAcceptance(risk_id, self.justification, self.expires_at)


class DecisionIn(In):
    comment: Text = ""

    def to_command(self, acceptance_id: UUID, approve: bool) -> DecideAcceptance:
        return DecideAcceptance(acceptance_id, approve, self.comment)


def _score(s: Score | None) -> dict[str, Any] | None:
    return None if s is None else {
        "likelihood": s.likelihood, "consequence": s.consequence, "level": s.level,
        "criteria_version": s.criteria_version,
    }  # fmt: skip


def treatment_out(risk_id: UUID, t: Treatment) -> dict[str, Any]:
    return {
        "id": t.id, "risk_id": risk_id, "option": t.option, "controls": t.controls,
        "plan": t.plan, "owner": t.owner, "due": t.due, "status": t.status,
    }  # fmt: skip


def acceptance_out(a: Acceptance, now: datetime) -> dict[str, Any]:
    return {
        "id": a.id, "risk_id": a.risk_id, "system_id": a.system_id,
        "risk_version": a.risk_version, "level": a.level, "justification": a.justification,
        "expires_at": a.expires_at, "requested_by": a.requested_by,
        "status": a.effective_status(now), "decided_by": a.decided_by, "comment": a.comment,
        "void_reason": a.void_reason, "version": a.version, "created_at": a.created_at,
        "updated_at": a.last_event_at,
    }  # fmt: skip


def risk_out(
    r: Risk, criteria: RiskCriteria, acceptances: list[Acceptance], now: datetime
) -> dict[str, Any]:
    valid = [a for a in acceptances if a.is_valid(r, now)]
    status = r.status
    if valid and status != "closed":
        status = "accepted"
    return {
        "id": r.id, "system_id": r.system_id, "title": r.title, "description": r.description,
        "category": r.risk_category, "source": r.source, "affects": r.affects, "owner": r.owner,
        "likelihood": r.inherent_score.likelihood,
        "consequence": r.inherent_score.consequence,
        "level": r.inherent_score.level,
        "criteria_version": r.inherent_score.criteria_version,
        "residual": _score(r.residual), "current_level": r.current.level,
        "above_appetite": r.above_appetite(criteria), "status": status,
        "acceptance": acceptance_out(valid[-1], now) if valid else None,
        "treatments": [treatment_out(r.id, t) for t in r.treatments.values()],
        "closed_reason": r.closed_reason, "version": r.version, "created_at": r.created_at,
        "updated_at": r.last_event_at,
    }  # fmt: skip
