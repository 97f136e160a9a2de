"""Impact-assessment routes: thin translations between JSON and commands."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Response

from services.risk.fields import AsOf, Limit
from services.risk.impact import handlers, queries
from services.risk.impact.commands import SubmitImpact
from services.risk.impact.domain import ImpactAssessment
from services.risk.impact.schemas import ApprovalIn, ImpactIn, ImpactPatch, impact_out
from services.risk.responses import CHANGE, CREATE, DECIDE, LIST, READ_ONE, STALE, documented
from shared.http.approvals import Sod
from shared.http.deps import Ctx, Fresh, IfMatch, ReadPool, Repo, resource, saved, written
from shared.http.pagination import Cursor, Page

router = APIRouter(tags=["impact assessments"])
ImpactStatus = Literal["draft", "submitted", "approved", "review_due"]


@router.post("/v1/impact-assessments", status_code=201, responses=CREATE)
async def draft_impact(body: ImpactIn, ctx: Ctx, repo: Repo) -> Response:
    """Start a draft impact assessment of an AI system."""
    ia, result = await handlers.draft_impact(body.to_command(), repo, ctx)
    return written(result, impact_out(ia), status=201,
                   location=f"/v1/impact-assessments/{ia.id}")  # fmt: skip


@router.get("/v1/impact-assessments", response_model=Page, dependencies=[Fresh], responses=LIST)
async def list_impacts(
    pool: ReadPool, cursor: Cursor = None, limit: Limit = 50,
    system_id: UUID | None = None, status: ImpactStatus | None = None,
) -> Page:  # fmt: skip
    """Impact assessments, newest first."""
    return await queries.list_impacts(
        pool, cursor=cursor, limit=limit, system_id=system_id, status=status
    )


@router.get("/v1/impact-assessments/{assessment_id}", responses=READ_ONE)
async def get_impact(assessment_id: UUID, repo: Repo, as_of: AsOf = None) -> Response:
    """One impact assessment, current or as it was at `as_of`."""
    ia = await repo.load(ImpactAssessment, assessment_id, as_of=as_of)
    return resource(impact_out(ia), ia.version)


@router.patch("/v1/impact-assessments/{assessment_id}", responses=CHANGE)
async def revise_impact(
    assessment_id: UUID, body: ImpactPatch, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Revise an assessment; it returns to draft. Fields left out keep their value."""
    cmd = body.to_command(assessment_id, expected)
    ia, result = await handlers.revise_impact(cmd, repo, ctx)
    return saved(result, impact_out(ia), ia.version)


@router.post("/v1/impact-assessments/{assessment_id}/submit", responses=CHANGE)
async def submit_impact(assessment_id: UUID, ctx: Ctx, repo: Repo, expected: IfMatch) -> Response:
    """Submit a draft for approval."""
    ia, result = await handlers.submit_impact(SubmitImpact(assessment_id, expected), repo, ctx)
    return written(result, impact_out(ia))


@router.post("/v1/impact-assessments/{assessment_id}/approve", responses=documented(DECIDE, STALE))
async def approve_impact(
    assessment_id: UUID, ctx: Ctx, repo: Repo, expected: IfMatch, sod: Sod,
    body: ApprovalIn | None = None,
) -> Response:  # fmt: skip
    """Approve a submitted assessment (an approver who is not its author, a reviser, a
    submitter or the system's owner)."""
    cmd = (body or ApprovalIn()).to_command(assessment_id, expected)
    ia, result = await handlers.approve_impact(cmd, repo, ctx, sod)
    return written(result, impact_out(ia))
