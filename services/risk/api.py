"""Risk routes: thin translations between JSON and commands."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from services.risk import handlers as h
from services.risk.domain.acceptance import Acceptance
from services.risk.domain.risk import Risk
from services.risk.lookups import load
from services.risk.schemas import (
    AcceptanceRequestIn,
    AssessmentIn,
    CloseIn,
    CriteriaIn,
    DecisionIn,
    ResidualIn,
    RiskIn,
    TreatmentIn,
    acceptance_out,
    criteria_out,
    risk_out,
    treatment_out,
)
from shared.domain.repository import Repository
from shared.http.deps import Ctx, Fresh, IfMatch, ReadPool, Repo, resource, written
from shared.http.pagination import Page, page_of
from shared.kernel.eventstore import AppendResult

router = APIRouter(tags=["risks"])
Limit = Annotated[int, Query(ge=1, le=500)]
RISK_COLUMNS = (
    "id, system_id, title, category, owner, likelihood, consequence, level, criteria_version,"
    " residual_likelihood, residual_consequence, residual_level, residual_criteria_version,"
    " above_appetite, status, accepted_by_id AS acceptance_id, version, created_position,"
    " created_at, updated_at"
)


def _now() -> datetime:
    return datetime.now(UTC)


async def _risk_body(repo: Repository, risk: Risk, as_of: datetime | None = None) -> dict:
    criteria = await h.current_criteria(repo)
    return risk_out(risk, criteria, await h.acceptances_of(repo, risk.id, as_of), as_of or _now())


async def _risk_written(repo: Repository, risk: Risk, result: AppendResult | None) -> Response:
    body = await _risk_body(repo, risk)
    return resource(body, risk.version) if result is None else written(result, body)


@router.get("/v1/criteria")
async def get_criteria(repo: Repo) -> Response:
    """The risk criteria in force (version 0 is the built-in default)."""
    criteria = await h.current_criteria(repo)
    return resource(criteria_out(criteria), criteria.version)


@router.put("/v1/criteria")
async def put_criteria(body: CriteriaIn, ctx: Ctx, repo: Repo, expected: IfMatch) -> Response:
    """Adopt new risk criteria (a new version; existing risks keep the version that scored them)."""
    criteria, result = await h.set_criteria(repo, ctx, body.model_dump(), expected)
    if result is None:
        return resource(criteria_out(criteria), criteria.version)
    return written(result, criteria_out(criteria))


@router.post("/v1/risks", status_code=201)
async def identify_risk(body: RiskIn, ctx: Ctx, repo: Repo) -> Response:
    """Add a risk of an AI system to the register; its level comes from the criteria."""
    risk, result = await h.identify_risk(repo, ctx, body.model_dump())
    body_out = await _risk_body(repo, risk)
    return written(result, body_out, status=201, location=f"/v1/risks/{risk.id}")


@router.get("/v1/risks", response_model=Page, dependencies=[Fresh])
async def list_risks(
    pool: ReadPool, cursor: str | None = None, limit: Limit = 50, system_id: UUID | None = None,
    level: str | None = None, status: str | None = None, owner: str | None = None,
    category: str | None = None,
) -> Page:  # fmt: skip
    """Risks, newest first, from the register projection."""
    return await page_of(
        pool, "risk_risk", cursor=cursor, limit=limit,
        filters={"system_id": system_id, "level": level, "status": status, "owner": owner,
                 "category": category},
        columns=RISK_COLUMNS,
    )  # fmt: skip


@router.get("/v1/risks/{risk_id}")
async def get_risk(risk_id: UUID, repo: Repo, as_of: datetime | None = None) -> Response:
    """One risk, current (from its stream) or as it was at `as_of`."""
    risk = await load(repo, Risk, risk_id, as_of)
    return resource(await _risk_body(repo, risk, as_of), risk.version)


@router.post("/v1/risks/{risk_id}/assessments")
async def reassess_risk(
    risk_id: UUID, body: AssessmentIn, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Re-assess the inherent risk (omitted values keep theirs; the current criteria score it)."""
    risk, result = await h.reassess_risk(repo, ctx, risk_id, body.model_dump(), expected)
    return await _risk_written(repo, risk, result)


@router.post("/v1/risks/{risk_id}/treatments", status_code=201)
async def plan_treatment(
    risk_id: UUID, body: TreatmentIn, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Plan a treatment with the Annex A controls it relies on."""
    risk, tid, result = await h.plan_treatment(repo, ctx, risk_id, body.model_dump(), expected)
    out = {**treatment_out(risk.id, risk.treatments[tid]), "risk_version": risk.version}
    return written(result, out, status=201, location=f"/v1/risks/{risk.id}")


@router.post("/v1/risks/{risk_id}/treatments/{treatment_id}/complete")
async def complete_treatment(
    risk_id: UUID, treatment_id: UUID, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Record that a treatment has been carried out."""
    risk, result = await h.complete_treatment(repo, ctx, risk_id, treatment_id, expected)
    return await _risk_written(repo, risk, result)


@router.get("/v1/treatments", response_model=Page, dependencies=[Fresh])
async def list_treatments(
    pool: ReadPool, cursor: str | None = None, limit: Limit = 50, overdue: bool | None = None,
    risk_id: UUID | None = None, system_id: UUID | None = None, owner: str | None = None,
    status: str | None = None,
) -> Page:  # fmt: skip
    """Treatments, newest first; `overdue=true` lists planned ones past their due date."""
    late = "(status = 'planned' AND due < CURRENT_DATE)"
    return await page_of(
        pool, "risk_treatment", cursor=cursor, limit=limit,
        filters={late: overdue, "risk_id": risk_id, "system_id": system_id, "owner": owner,
                 "status": status},
        columns=f"*, {late} AS overdue",
    )  # fmt: skip


@router.post("/v1/risks/{risk_id}/residual")
async def assess_residual(
    risk_id: UUID, body: ResidualIn, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Score the risk that remains after treatment."""
    risk, result = await h.assess_residual(repo, ctx, risk_id, body.model_dump(), expected)
    return await _risk_written(repo, risk, result)


@router.post("/v1/risks/{risk_id}/close")
async def close_risk(
    risk_id: UUID, body: CloseIn, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Close a risk that no longer applies."""
    risk, result = await h.close_risk(repo, ctx, risk_id, body.reason, expected)
    return await _risk_written(repo, risk, result)


@router.post("/v1/risks/{risk_id}/acceptance-requests", status_code=201)
async def request_acceptance(
    risk_id: UUID, body: AcceptanceRequestIn, ctx: Ctx, repo: Repo
) -> Response:
    """Ask designated management to accept the risk at its current version."""
    acc, result = await h.request_acceptance(repo, ctx, risk_id, body.model_dump())
    return written(result, acceptance_out(acc, _now()), status=201,
                   location=f"/v1/acceptances/{acc.id}")  # fmt: skip


@router.get("/v1/acceptances", response_model=Page, dependencies=[Fresh])
async def list_acceptances(
    pool: ReadPool, cursor: str | None = None, limit: Limit = 50, risk_id: UUID | None = None,
    system_id: UUID | None = None, status: str | None = None,
) -> Page:  # fmt: skip
    """Acceptance requests and decisions, newest first."""
    return await page_of(
        pool, "risk_acceptance", cursor=cursor, limit=limit,
        filters={"risk_id": risk_id, "system_id": system_id, "status": status},
    )  # fmt: skip


@router.get("/v1/acceptances/{acceptance_id}")
async def get_acceptance(
    acceptance_id: UUID, repo: Repo, as_of: datetime | None = None
) -> Response:
    """One acceptance, current or as it was at `as_of`."""
    acc = await load(repo, Acceptance, acceptance_id, as_of)
    return resource(acceptance_out(acc, as_of or _now()), acc.version)


async def _decide(
    acceptance_id: UUID, body: DecisionIn | None, ctx: Ctx, repo: Repo, approve: bool
) -> Response:
    comment = body.comment if body else ""
    acc, result = await h.decide_acceptance(repo, ctx, acceptance_id, approve, comment)
    return written(result, acceptance_out(acc, _now()))


@router.post("/v1/acceptances/{acceptance_id}/approve")
async def approve_acceptance(
    acceptance_id: UUID, ctx: Ctx, repo: Repo, body: DecisionIn | None = None
) -> Response:
    """Accept the risk (an approver other than the requester)."""
    return await _decide(acceptance_id, body, ctx, repo, approve=True)


@router.post("/v1/acceptances/{acceptance_id}/reject")
async def reject_acceptance(
    acceptance_id: UUID, ctx: Ctx, repo: Repo, body: DecisionIn | None = None
) -> Response:
    """Refuse to accept the risk (an approver other than the requester)."""
    return await _decide(acceptance_id, body, ctx, repo, approve=False)
