"""Competence routes: training records and the gaps of each AI role's holders."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response

from services.risk.competence import handlers, queries
from services.risk.competence.domain import TrainingRecord
from services.risk.competence.schemas import TrainingIn, WithdrawIn, training_out
from services.risk.fields import AsOf, Limit
from services.risk.records.schemas import COMPETENCE, PersonQuery
from services.risk.responses import CHANGE, CREATE, LIST, READ_ONE
from shared.http.deps import Ctx, Fresh, IfMatch, ReadPool, Repo, resource, written
from shared.http.pagination import Cursor, Page

router = APIRouter(tags=["AI roles and competence"])
TrainingStatus = Literal["current", "expired", "withdrawn"]
CompetenceQuery = Annotated[str | None, Query(max_length=64, pattern=COMPETENCE)]


def _now() -> datetime:
    return datetime.now(UTC)


@router.post("/v1/training-records", status_code=201, responses=CREATE)
async def record_training(body: TrainingIn, ctx: Ctx, repo: Repo) -> Response:
    """Record that a person completed training giving a competence (7.2)."""
    record, result = await handlers.record_training(body.to_command(), repo, ctx)
    return written(result, training_out(record, _now()), status=201,
                   location=f"/v1/training-records/{record.id}")  # fmt: skip


@router.get("/v1/training-records", response_model=Page, dependencies=[Fresh], responses=LIST)
async def list_training(
    pool: ReadPool, cursor: Cursor = None, limit: Limit = 50, person: PersonQuery = None,
    competence: CompetenceQuery = None, status: TrainingStatus | None = None,
) -> Page:  # fmt: skip
    """Training records, newest first."""
    return await queries.list_training(pool, cursor=cursor, limit=limit, person=person,
                                       competence=competence, status=status)  # fmt: skip


@router.get("/v1/training-records/{record_id}", responses=READ_ONE)
async def get_training(record_id: UUID, repo: Repo, as_of: AsOf = None) -> Response:
    """One training record."""
    record = await repo.load(TrainingRecord, record_id, as_of=as_of)
    return resource(training_out(record, as_of or _now()), record.version)


@router.post("/v1/training-records/{record_id}/withdraw", responses=CHANGE)
async def withdraw_training(
    record_id: UUID, body: WithdrawIn, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Withdraw a record made in error (409 if it already is)."""
    cmd = body.to_command(record_id, expected)
    record, result = await handlers.withdraw_training(cmd, repo, ctx)
    return written(result, training_out(record, _now()))


@router.get("/v1/competence/gaps", dependencies=[Fresh], responses=LIST)
async def competence_gaps(
    pool: ReadPool, role_id: UUID | None = None, person: PersonQuery = None,
    gaps_only: bool = False,
) -> dict[str, Any]:  # fmt: skip
    """Per active AI role and each of its holders: the required competences that are current,
    expired or missing now (`gaps_only`: only holders with a gap)."""
    now = _now()
    items = await queries.competence_gaps(pool, now, role_id, person)
    if gaps_only:
        items = [i for i in items if not i["complete"]]
    return {"as_of": now, "items": items}
