"""Routes for impact assessments, the Annex A catalogue, the SoA and system posture."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Path, Query, Response

from services.risk import governance as g
from services.risk import queries
from services.risk.domain.impact import ImpactAssessment
from services.risk.lookups import load
from services.risk.schemas import (
    DecisionIn,
    ImpactIn,
    ImpactPatch,
    SoAIn,
    impact_out,
    soa_entry_out,
)
from shared.contract import annex_a
from shared.http.deps import Ctx, Fresh, IfMatch, ReadPool, Repo, resource, written
from shared.http.jsonresp import ORJSONResponse
from shared.http.pagination import Page, page_of

router = APIRouter()
ControlPath = Annotated[str, Path(max_length=16)]


def _impact_written(ia: ImpactAssessment, result: object) -> Response:
    if result is None:
        return resource(impact_out(ia), ia.version)
    return written(result, impact_out(ia))  # type: ignore[arg-type]


@router.post("/v1/impact-assessments", status_code=201, tags=["impact assessments"])
async def draft_impact(body: ImpactIn, ctx: Ctx, repo: Repo) -> Response:
    """Start a draft impact assessment of an AI system."""
    content = body.model_dump(mode="json", exclude={"system_id"})
    ia, result = await g.draft_impact(repo, ctx, body.system_id, content)
    return written(result, impact_out(ia), status=201,
                   location=f"/v1/impact-assessments/{ia.id}")  # fmt: skip


@router.get("/v1/impact-assessments", response_model=Page, dependencies=[Fresh],
            tags=["impact assessments"])  # fmt: skip
async def list_impacts(
    pool: ReadPool, cursor: str | None = None, limit: Annotated[int, Query(ge=1, le=500)] = 50,
    system_id: UUID | None = None, status: str | None = None,
) -> Page:  # fmt: skip
    """Impact assessments, newest first."""
    return await page_of(pool, "risk_impact_assessment", cursor=cursor, limit=limit,
                         filters={"system_id": system_id, "status": status})  # fmt: skip


@router.get("/v1/impact-assessments/{assessment_id}", tags=["impact assessments"])
async def get_impact(assessment_id: UUID, repo: Repo, as_of: datetime | None = None) -> Response:
    """One impact assessment, current or as it was at `as_of`."""
    ia = await load(repo, ImpactAssessment, assessment_id, as_of)
    return resource(impact_out(ia), ia.version)


@router.patch("/v1/impact-assessments/{assessment_id}", tags=["impact assessments"])
async def revise_impact(
    assessment_id: UUID, body: ImpactPatch, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Revise an assessment; it returns to draft."""
    changes = body.model_dump(mode="json", exclude_unset=True)
    ia, result = await g.revise_impact(repo, ctx, assessment_id, changes, expected)
    return _impact_written(ia, result)


@router.post("/v1/impact-assessments/{assessment_id}/submit", tags=["impact assessments"])
async def submit_impact(assessment_id: UUID, ctx: Ctx, repo: Repo, expected: IfMatch) -> Response:
    """Submit a draft for approval."""
    ia, result = await g.submit_impact(repo, ctx, assessment_id, expected)
    return written(result, impact_out(ia))


@router.post("/v1/impact-assessments/{assessment_id}/approve", tags=["impact assessments"])
async def approve_impact(
    assessment_id: UUID, ctx: Ctx, repo: Repo, expected: IfMatch, body: DecisionIn | None = None
) -> Response:
    """Approve a submitted assessment (an approver who is not its author)."""
    comment = body.comment if body else ""
    ia, result = await g.approve_impact(repo, ctx, assessment_id, comment, expected)
    return written(result, impact_out(ia))


@router.get("/v1/controls", tags=["statement of applicability"])
async def list_controls() -> dict:
    """The 38 Annex A controls of ISO/IEC 42001."""
    return {"items": [c.__dict__ for c in annex_a.controls().values()]}


@router.put("/v1/soa/controls/{control_id}", tags=["statement of applicability"])
async def set_soa_entry(
    control_id: ControlPath, body: SoAIn, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Decide whether a control applies, with a justification either way."""
    entry, result = await g.set_soa_entry(repo, ctx, control_id, body.model_dump(), expected)
    if result is None:
        return resource(soa_entry_out(entry), entry.version)
    return written(result, soa_entry_out(entry))


CSV_NAME = 'attachment; filename="statement-of-applicability.csv"'
_SOA_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {"application/json": {}, "text/csv": {"schema": {"type": "string"}}}}
}


async def _soa(pool: ReadPool, fmt: str, system_id: UUID | None) -> Response:
    rows = await queries.soa(pool, datetime.now(UTC), system_id)
    if fmt == "csv":
        return Response(
            queries.soa_csv(rows), media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": CSV_NAME},
        )  # fmt: skip
    return ORJSONResponse({"items": rows})


@router.get(
    "/v1/soa",
    response_model=None,
    dependencies=[Fresh],
    tags=["statement of applicability"],
    responses=_SOA_RESPONSES,
)
async def get_soa(
    pool: ReadPool, format: Literal["json", "csv"] = "json", system_id: UUID | None = None
) -> Response:
    """Every control with its SoA entry, the risks that chose it and its evidence."""
    return await _soa(pool, format, system_id)


@router.get(
    "/v1/soa.csv",
    response_model=None,
    dependencies=[Fresh],
    tags=["statement of applicability"],
    responses=_SOA_RESPONSES,
)
async def get_soa_csv(pool: ReadPool, system_id: UUID | None = None) -> Response:
    """The Statement of Applicability as CSV."""
    return await _soa(pool, "csv", system_id)


@router.get("/v1/systems/{system_id}/posture", dependencies=[Fresh], tags=["posture"])
async def get_posture(system_id: UUID, pool: ReadPool) -> dict:
    """Open risks by level, unaccepted risks above appetite, expiries, impact status."""
    return await queries.posture(pool, system_id, datetime.now(UTC))
