"""Registry routes: thin translations between JSON and commands."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from services.registry import handlers
from services.registry.domain.system import AISystem
from services.registry.schemas import SystemIn, SystemOut, SystemPatch
from shared.http.deps import Ctx, Fresh, IfMatch, ReadPool, Repo, resource, written
from shared.pagination import Page, page_of

router = APIRouter(tags=["systems"])


@router.post("/v1/systems", status_code=201, response_model=SystemOut)
async def register_system(body: SystemIn, ctx: Ctx, repo: Repo) -> Response:
    """Register an AI system in the inventory."""
    system, result = await handlers.register_system(repo, ctx, body.model_dump())
    return written(result, SystemOut.of(system), status=201, location=f"/v1/systems/{system.id}")


@router.get("/v1/systems", response_model=Page, dependencies=[Fresh])
async def list_systems(
    pool: ReadPool,
    cursor: str | None = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    stage: str | None = None,
    tier: str | None = None,
    owner: str | None = None,
) -> Page:
    """Systems, newest first, from the system-list projection."""
    return await page_of(
        pool, "registry_system", cursor=cursor, limit=limit,
        filters={"stage": stage, "eu_ai_act_tier": tier, "owner": owner},
    )  # fmt: skip


@router.get("/v1/systems/{system_id}", response_model=SystemOut)
async def get_system(system_id: UUID, repo: Repo, as_of: datetime | None = None) -> Response:
    """One system, current (from its stream) or as it was at `as_of`."""
    system = await repo.load(AISystem, system_id, as_of=as_of)
    return resource(SystemOut.of(system), system.version)


@router.patch("/v1/systems/{system_id}", response_model=SystemOut)
async def patch_system(
    system_id: UUID, body: SystemPatch, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Change inventory fields; send If-Match with the ETag you read."""
    changes = body.model_dump(exclude_unset=True)
    system, result = await handlers.update_system(repo, ctx, system_id, changes, expected)
    if result is None:
        return resource(SystemOut.of(system), system.version)
    return written(result, SystemOut.of(system))
