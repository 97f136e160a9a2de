"""Audit-trail route: the decision history of all three services."""

from __future__ import annotations

from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query

from services.evidence.fields import BAD_PAGE, NOT_FRESH, QueryTime, problems
from services.evidence.trail import queries
from shared.http.deps import Fresh, ReadPool
from shared.http.pagination import Cursor, Page

router = APIRouter(tags=["integrity"])


@router.get("/v1/audit-trail", response_model=Page, dependencies=[Fresh],
            responses=problems(BAD_PAGE, NOT_FRESH))  # fmt: skip
async def audit_trail(
    pool: ReadPool,
    system_id: UUID | None = None,
    actor: Annotated[str | None, Query(max_length=200)] = None,
    type: Annotated[list[str] | None, Query(max_length=50)] = None,
    frm: Annotated[QueryTime | None, Query(alias="from")] = None,
    to: QueryTime | None = None,
    cursor: Cursor = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
) -> Page:
    """Decision history of all three services, newest first, with actor, basis and links."""
    types = sorted({t.strip() for raw in type or [] for t in raw.split(",") if t.strip()}) or None
    return await queries.trail_page(
        pool, system_id=system_id, actor=actor, types=types, frm=frm, to=to, cursor=cursor,
        limit=limit,
    )  # fmt: skip
