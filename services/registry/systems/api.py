"""Inventory routes: JSON to commands, aggregates to JSON (thin: no SQL, no decisions)."""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

from fastapi import APIRouter, Query, Response

from services.registry.gate.api import GateDep
from services.registry.systems import handlers, queries
from services.registry.systems.domain import AISystem
from services.registry.systems.schemas import (
    History,
    HistoryEntry,
    ModelVersionIn,
    ModelVersionOut,
    SystemIn,
    SystemOut,
    SystemPage,
    SystemPatch,
    TransitionIn,
)
from shared.contract.events.registry import Stage, Tier
from shared.domain.approvals import Requested
from shared.http.approvals import Sod, accepted
from shared.http.deps import Ctx, Fresh, IfMatch, ReadPool, Repo, resource, written
from shared.http.fields import Instant
from shared.http.pagination import Cursor, Page

router = APIRouter(tags=["systems"])
Limit = Annotated[int, Query(ge=1, le=500)]
Responses = dict[int | str, dict[str, Any]]

BAD_READ: Responses = {
    400: {"description": "a cursor this API did not return, or `min_position` beyond the log"}
}
NO_SYSTEM: Responses = {404: {"description": "no such AI system"}}
STALE: Responses = {
    412: {"description": "If-Match names another version than the system's current one"}
}
NOT_OWNER: Responses = {
    403: {"description": "not the system's owner nor an admin; only an admin reassigns the owner"}
}
CLAIMED: Responses = {409: {"description": "an MLflow model name is claimed by another system"}}


@router.post("/v1/systems", status_code=201, response_model=SystemOut, responses=CLAIMED)
async def register_system(body: SystemIn, ctx: Ctx, repo: Repo, pool: ReadPool) -> Response:
    """Register an AI system in the inventory."""
    system, result = await handlers.register_system(body.to_command(), ctx, repo, pool)
    return written(result, SystemOut.of(system), status=201, location=f"/v1/systems/{system.id}")


@router.get("/v1/systems", response_model=SystemPage, responses=BAD_READ, dependencies=[Fresh])
async def list_systems(
    pool: ReadPool, cursor: Cursor = None, limit: Limit = 50, stage: Stage | None = None,
    tier: Tier | None = None, owner: Annotated[str | None, Query(max_length=200)] = None,
    tag: Annotated[str | None, Query(max_length=64)] = None,
    last_decision: Literal["allow", "deny"] | None = None,
) -> Page:  # fmt: skip
    """Systems, newest first, from the system-list projection."""
    return await queries.list_systems(
        pool, cursor=cursor, limit=limit, stage=stage, tier=tier, owner=owner, tag=tag,
        last_decision=last_decision,
    )  # fmt: skip


@router.get("/v1/systems/{system_id}", response_model=SystemOut, responses=NO_SYSTEM)
async def get_system(
    system_id: UUID, repo: Repo,
    as_of: Annotated[Instant | None, Query(description="RFC 3339 date-time")] = None,
) -> Response:  # fmt: skip
    """One system, current (from its stream) or as it was at `as_of` (RFC 3339)."""
    system = await repo.load(AISystem, system_id, as_of=as_of)
    return resource(SystemOut.of(system), system.version)


@router.patch(
    "/v1/systems/{system_id}", response_model=SystemOut,
    responses=NO_SYSTEM | STALE | NOT_OWNER | {
        202: {"description": "a lower tier than the last assessed one, or an owner handing"
              " the system on: the change waits for an approver (the body is the approval)"},
        409: {"description": "retired, a name claimed elsewhere, or a change already waiting"},
    },
)  # fmt: skip
async def patch_system(
    system_id: UUID, body: SystemPatch, ctx: Ctx, repo: Repo, pool: ReadPool, expected: IfMatch,
    sod: Sod,
) -> Response:  # fmt: skip
    """Change inventory fields (owner, tier, role, intended use, tags...); send If-Match."""
    cmd = body.to_command(system_id, expected)
    out = await handlers.update_system(cmd, ctx, repo, pool, sod)
    if isinstance(out, Requested):
        return accepted(out)
    system, result = out
    if result is None:
        return resource(SystemOut.of(system), system.version)
    return written(result, SystemOut.of(system))


@router.post(
    "/v1/systems/{system_id}/transitions", response_model=SystemOut, dependencies=[Fresh],
    responses=BAD_READ | NO_SYSTEM | STALE | NOT_OWNER | {
        409: {"description": "a move the policy does not allow, or its gate is not met"}
    },
)  # fmt: skip
async def transition_system(
    system_id: UUID, body: TransitionIn, ctx: Ctx, repo: Repo, gate: GateDep, expected: IfMatch
) -> Response:
    """Move the system to another lifecycle stage; 409 lists the missing gate evidence."""
    cmd = body.to_command(system_id, expected)
    system, result = await handlers.transition_system(cmd, ctx, repo, gate)
    return written(result, SystemOut.of(system))


@router.post(
    "/v1/systems/{system_id}/model-versions", status_code=201, response_model=ModelVersionOut,
    responses=NO_SYSTEM | NOT_OWNER | {
        200: {"model": ModelVersionOut, "description": "already registered: that version"},
        409: {"description": "the same name and version with another digest, or retired"},
    },
)  # fmt: skip
async def register_model_version(
    system_id: UUID, body: ModelVersionIn, ctx: Ctx, repo: Repo
) -> Response:
    """Register a model version; the same digest again answers 200 with the existing one."""
    cmd = body.to_command(system_id)
    system, mv, result = await handlers.register_model_version(cmd, ctx, repo)
    if result is None:
        return resource(ModelVersionOut.of(mv), system.version)
    return written(result, ModelVersionOut.of(mv), status=201)


@router.get(
    "/v1/systems/{system_id}/model-versions", response_model=list[ModelVersionOut],
    responses=NO_SYSTEM,
)  # fmt: skip
async def list_model_versions(system_id: UUID, repo: Repo) -> Response:
    """The system's model versions, oldest first."""
    system = await repo.load(AISystem, system_id)
    return resource([ModelVersionOut.of(m) for m in system.model_versions], system.version)


@router.get(
    "/v1/systems/{system_id}/history", response_model=History, dependencies=[Fresh],
    responses=BAD_READ | NO_SYSTEM,
)  # fmt: skip
async def system_history(
    system_id: UUID, repo: Repo, pool: ReadPool, cursor: Cursor = None, limit: Limit = 200
) -> History:
    """The system's events and its deployment decisions, oldest first, with actor and time."""
    await repo.load(AISystem, system_id)  # 404 for an unknown system
    page = await queries.history(pool, system_id, cursor=cursor, limit=limit)
    return History(items=[HistoryEntry.of(r) for r in page.items], next_cursor=page.next_cursor)
