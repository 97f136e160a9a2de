"""Register routes: risks, treatments and acceptances, as thin translations to commands."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response

from services.risk.criteria.handlers import current_criteria
from services.risk.fields import AsOf, Limit, OwnerQuery
from services.risk.register import handlers, queries
from services.risk.register.commands import CompleteTreatment
from services.risk.register.domain import Acceptance, Risk
from services.risk.register.domain.taxonomy import (
    AcceptanceStatus,
    Category,
    RiskStatus,
    TreatmentStatus,
)
from services.risk.register.schemas import (
    AcceptanceRequestIn,
    AssessmentIn,
    CloseIn,
    DecisionIn,
    ResidualIn,
    RiskIn,
    TreatmentIn,
    acceptance_out,
    risk_out,
    treatment_out,
)
from services.risk.responses import CHANGE, CREATE, DECIDE, GUARDED, LIST, READ_ONE
from shared.domain.approvals import Requested
from shared.domain.repository import Repository
from shared.http.approvals import Sod, accepted
from shared.http.deps import Ctx, Fresh, IfMatch, ReadPool, Repo, resource, saved, written
from shared.http.pagination import Cursor, Page
from shared.kernel.eventstore import AppendResult

router = APIRouter(tags=["risks"])
LevelQuery = Annotated[str | None, Query(max_length=64)]


def _now() -> datetime:
    return datetime.now(UTC)


async def _risk_body(repo: Repository, risk: Risk, as_of: datetime | None = None) -> dict[str, Any]:
    criteria = await current_criteria(repo)
    acceptances = await queries.acceptances_of(repo, risk.id, as_of)
    return risk_out(risk, criteria, acceptances, as_of or _now())


async def _risk_saved(repo: Repository, risk: Risk, result: AppendResult | None) -> Response:
    return saved(result, await _risk_body(repo, risk), risk.version)


async def _outcome(repo: Repository, out: handlers.Outcome) -> Response:
    """The changed risk, or (the change waits for an approver) 202 with the approval."""
    if isinstance(out, Requested):
        return accepted(out)
    return await _risk_saved(repo, *out)


@router.post("/v1/risks", status_code=201, responses=CREATE)
async def identify_risk(body: RiskIn, ctx: Ctx, repo: Repo) -> Response:
    """Add a risk of an AI system to the register; its level comes from the criteria."""
    risk, result = await handlers.identify_risk(body.to_command(), repo, ctx)
    body_out = await _risk_body(repo, risk)
    return written(result, body_out, status=201, location=f"/v1/risks/{risk.id}")


@router.get("/v1/risks", response_model=Page, dependencies=[Fresh], responses=LIST)
async def list_risks(
    pool: ReadPool, cursor: Cursor = None, limit: Limit = 50, system_id: UUID | None = None,
    level: LevelQuery = None, status: RiskStatus | None = None, owner: OwnerQuery = None,
    category: Category | None = None,
) -> Page:  # fmt: skip
    """Risks, newest first, from the register projection."""
    return await queries.list_risks(
        pool, cursor=cursor, limit=limit, system_id=system_id, level=level, status=status,
        owner=owner, category=category,
    )  # fmt: skip


@router.get("/v1/risks/{risk_id}", responses=READ_ONE)
async def get_risk(risk_id: UUID, repo: Repo, as_of: AsOf = None) -> Response:
    """One risk, current (from its stream) or as it was at `as_of`."""
    risk = await repo.load(Risk, risk_id, as_of=as_of)
    return resource(await _risk_body(repo, risk, as_of), risk.version)


@router.post("/v1/risks/{risk_id}/assessments", responses=GUARDED)
async def reassess_risk(
    risk_id: UUID, body: AssessmentIn, ctx: Ctx, repo: Repo, expected: IfMatch, sod: Sod
) -> Response:
    """Re-assess the inherent risk (omitted values keep theirs; the current criteria score it).

    Bringing a risk above appetite within it answers 202: it waits for an approver."""
    out = await handlers.reassess_risk(body.to_command(risk_id, expected), repo, ctx, sod)
    return await _outcome(repo, out)


@router.post("/v1/risks/{risk_id}/treatments", status_code=201, responses=CHANGE)
async def plan_treatment(
    risk_id: UUID, body: TreatmentIn, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Plan a treatment with the Annex A controls it relies on."""
    cmd = body.to_command(risk_id, expected)
    risk, treatment_id, result = await handlers.plan_treatment(cmd, repo, ctx)
    out = {**treatment_out(risk.id, risk.treatments[treatment_id]), "risk_version": risk.version}
    return written(result, out, status=201, location=f"/v1/risks/{risk.id}")


@router.post("/v1/risks/{risk_id}/treatments/{treatment_id}/complete", responses=CHANGE)
async def complete_treatment(
    risk_id: UUID, treatment_id: UUID, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Record that a treatment has been carried out."""
    cmd = CompleteTreatment(risk_id, treatment_id, expected)
    risk, result = await handlers.complete_treatment(cmd, repo, ctx)
    return await _risk_saved(repo, risk, result)


@router.get("/v1/treatments", response_model=Page, dependencies=[Fresh], responses=LIST)
async def list_treatments(
    pool: ReadPool, cursor: Cursor = None, limit: Limit = 50, overdue: bool | None = None,
    risk_id: UUID | None = None, system_id: UUID | None = None, owner: OwnerQuery = None,
    status: TreatmentStatus | None = None,
) -> Page:  # fmt: skip
    """Treatments, newest first; `overdue=true` lists planned ones past their due date."""
    return await queries.list_treatments(
        pool, cursor=cursor, limit=limit, overdue=overdue, risk_id=risk_id, system_id=system_id,
        owner=owner, status=status,
    )  # fmt: skip


@router.post("/v1/risks/{risk_id}/residual", responses=GUARDED)
async def assess_residual(
    risk_id: UUID, body: ResidualIn, ctx: Ctx, repo: Repo, expected: IfMatch, sod: Sod
) -> Response:
    """Score the risk that remains after treatment.

    Bringing a risk above appetite within it answers 202: it waits for an approver."""
    out = await handlers.assess_residual(body.to_command(risk_id, expected), repo, ctx, sod)
    return await _outcome(repo, out)


@router.post("/v1/risks/{risk_id}/close", responses=GUARDED)
async def close_risk(
    risk_id: UUID, body: CloseIn, ctx: Ctx, repo: Repo, expected: IfMatch, sod: Sod
) -> Response:
    """Close a risk that no longer applies; one above appetite answers 202 (waits for an
    approver)."""
    out = await handlers.close_risk(body.to_command(risk_id, expected), repo, ctx, sod)
    return await _outcome(repo, out)


@router.post("/v1/risks/{risk_id}/acceptance-requests", status_code=201, responses=DECIDE)
async def request_acceptance(
    risk_id: UUID, body: AcceptanceRequestIn, ctx: Ctx, repo: Repo
) -> Response:
    """Ask designated management to accept the risk at its current version."""
    acc, result = await handlers.request_acceptance(body.to_command(risk_id), repo, ctx)
    return written(result, acceptance_out(acc, _now()), status=201,
                   location=f"/v1/acceptances/{acc.id}")  # fmt: skip


@router.get("/v1/acceptances", response_model=Page, dependencies=[Fresh], responses=LIST)
async def list_acceptances(
    pool: ReadPool, cursor: Cursor = None, limit: Limit = 50, risk_id: UUID | None = None,
    system_id: UUID | None = None, status: AcceptanceStatus | None = None,
) -> Page:  # fmt: skip
    """Acceptance requests and decisions, newest first."""
    return await queries.list_acceptances(
        pool, cursor=cursor, limit=limit, risk_id=risk_id, system_id=system_id, status=status
    )


@router.get("/v1/acceptances/{acceptance_id}", responses=READ_ONE)
async def get_acceptance(acceptance_id: UUID, repo: Repo, as_of: AsOf = None) -> Response:
    """One acceptance, current or as it was at `as_of`."""
    acc = await repo.load(Acceptance, acceptance_id, as_of=as_of)
    return resource(acceptance_out(acc, as_of or _now()), acc.version)


async def _decide(
    acceptance_id: UUID, body: DecisionIn | None, ctx: Ctx, repo: Repo, sod: Sod, approve: bool
) -> Response:
    cmd = (body or DecisionIn()).to_command(acceptance_id, approve)
    acc, result = await handlers.decide_acceptance(cmd, repo, ctx, sod)
    return written(result, acceptance_out(acc, _now()))


@router.post("/v1/acceptances/{acceptance_id}/approve", responses=DECIDE)
async def approve_acceptance(
    acceptance_id: UUID, ctx: Ctx, repo: Repo, sod: Sod, body: DecisionIn | None = None
) -> Response:
    """Accept the risk (an approver other than the requester)."""
    return await _decide(acceptance_id, body, ctx, repo, sod, approve=True)


@router.post("/v1/acceptances/{acceptance_id}/reject", responses=DECIDE)
async def reject_acceptance(
    acceptance_id: UUID, ctx: Ctx, repo: Repo, sod: Sod, body: DecisionIn | None = None
) -> Response:
    """Refuse to accept the risk (an approver other than the requester)."""
    return await _decide(acceptance_id, body, ctx, repo, sod, approve=False)
