"""AI objective routes: thin translations between JSON and commands."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Response

from services.risk.fields import AsOf, Limit
from services.risk.objectives import handlers, queries
from services.risk.objectives.domain import Objective
from services.risk.objectives.schemas import (
    MeasurementIn,
    ObjectiveApprovalIn,
    ObjectiveIn,
    ObjectiveRevisionIn,
    objective_out,
)
from services.risk.records.schemas import PersonQuery
from services.risk.responses import CHANGE, CREATE, DECIDE, LIST, READ_ONE, STALE, documented
from shared.http.approvals import Sod
from shared.http.deps import Ctx, Fresh, IfMatch, ReadPool, Repo, resource, saved, written
from shared.http.pagination import Cursor, Page

router = APIRouter(tags=["AI objectives"])
Status = Literal["on_track", "at_risk", "met", "missed"]
ApprovalStatus = Literal["pending", "approved"]


def _today() -> date:
    return datetime.now(UTC).date()


@router.post("/v1/objectives", status_code=201, responses=CREATE)
async def set_objective(body: ObjectiveIn, ctx: Ctx, repo: Repo) -> Response:
    """Set a measurable AI objective (6.2); it waits for approval."""
    objective, result = await handlers.set_objective(body.to_command(), repo, ctx)
    return written(result, objective_out(objective, _today()), status=201,
                   location=f"/v1/objectives/{objective.id}")  # fmt: skip


@router.get("/v1/objectives", response_model=Page, dependencies=[Fresh], responses=LIST)
async def list_objectives(
    pool: ReadPool, cursor: Cursor = None, limit: Limit = 50, status: Status | None = None,
    owner: PersonQuery = None, system_id: UUID | None = None,
    approval_status: ApprovalStatus | None = None,
) -> Page:  # fmt: skip
    """AI objectives, newest first, each with its status today (on_track, at_risk, met,
    missed)."""
    return await queries.list_objectives(
        pool, cursor=cursor, limit=limit, status=status, owner=owner, system_id=system_id,
        approval_status=approval_status,
    )  # fmt: skip


@router.get("/v1/objectives/{objective_id}", responses=READ_ONE)
async def get_objective(objective_id: UUID, repo: Repo, as_of: AsOf = None) -> Response:
    """One objective with its measurements and its status (on the `as_of` day, if given)."""
    objective = await repo.load(Objective, objective_id, as_of=as_of)
    today = as_of.astimezone(UTC).date() if as_of else _today()
    return resource(objective_out(objective, today), objective.version)


@router.put("/v1/objectives/{objective_id}", responses=CHANGE)
async def revise_objective(
    objective_id: UUID, body: ObjectiveRevisionIn, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Replace an objective's definition; a change waits for approval again."""
    cmd = body.to_command(objective_id, expected)
    objective, result = await handlers.revise_objective(cmd, repo, ctx)
    return saved(result, objective_out(objective, _today()), objective.version)


@router.post("/v1/objectives/{objective_id}/approve", responses=documented(DECIDE, STALE))
async def approve_objective(
    objective_id: UUID, ctx: Ctx, repo: Repo, expected: IfMatch, sod: Sod,
    body: ObjectiveApprovalIn | None = None,
) -> Response:  # fmt: skip
    """Approve an objective: an approver who neither set nor revised it."""
    cmd = (body or ObjectiveApprovalIn()).to_command(objective_id, expected)
    objective, result = await handlers.approve_objective(cmd, repo, ctx, sod)
    return written(result, objective_out(objective, _today()))


@router.post("/v1/objectives/{objective_id}/measurements", status_code=201, responses=CHANGE)
async def measure_objective(
    objective_id: UUID, body: MeasurementIn, ctx: Ctx, repo: Repo
) -> Response:
    """Record a measurement; the status follows from the latest one."""
    objective, result = await handlers.measure_objective(body.to_command(objective_id), repo, ctx)
    return written(result, objective_out(objective, _today()), status=201,
                   location=f"/v1/objectives/{objective.id}")  # fmt: skip
