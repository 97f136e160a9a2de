"""Registry routes for AI systems: thin translations between JSON and commands."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated
from uuid import UUID

from fastapi import APIRouter, Query, Response

from services.registry import handlers, queries
from services.registry.deps import GateDep
from services.registry.schemas import (
    History,
    HistoryEntry,
    ModelVersionIn,
    ModelVersionOut,
    SystemIn,
    SystemOut,
    SystemPatch,
    Tier,
    TransitionIn,
)
from services.registry.schemas import Stage as StageName
from shared.domain.errors import Conflict
from shared.http.deps import Ctx, Fresh, IfMatch, ReadPool, Repo, resource, written
from shared.http.pagination import Page

router = APIRouter(tags=["systems"])
Limit = Annotated[int, Query(ge=1, le=500)]


@router.post("/v1/systems", status_code=201, response_model=SystemOut)
async def register_system(body: SystemIn, ctx: Ctx, repo: Repo, pool: ReadPool) -> Response:
    """Register an AI system in the inventory."""
    await _unclaimed(pool, body.mlflow_model_names, None)
    system, result = await handlers.register_system(repo, ctx, body.model_dump())
    return written(result, SystemOut.of(system), status=201, location=f"/v1/systems/{system.id}")


@router.get("/v1/systems", response_model=Page, dependencies=[Fresh])
async def list_systems(
    pool: ReadPool, cursor: str | None = None, limit: Limit = 50,
    stage: StageName | None = None, tier: Tier | None = None,
    owner: Annotated[str | None, Query(max_length=200)] = None,
    tag: Annotated[str | None, Query(max_length=64)] = None,
    last_decision: Annotated[str | None, Query(pattern="^(allow|deny)$")] = None,
) -> Page:  # fmt: skip
    """Systems, newest first, from the system-list projection."""
    filters = {"stage": stage, "eu_ai_act_tier": tier, "owner": owner,
               "last_decision": last_decision}  # fmt: skip
    return await queries.list_systems(pool, cursor=cursor, limit=limit, filters=filters, tag=tag)


@router.get("/v1/systems/{system_id}", response_model=SystemOut)
async def get_system(system_id: UUID, repo: Repo, as_of: datetime | None = None) -> Response:
    """One system, current (from its stream) or as it was at `as_of` (RFC 3339)."""
    if as_of is not None and as_of.tzinfo is None:
        as_of = as_of.replace(tzinfo=UTC)
    system = await handlers.load_system(repo, system_id, as_of)
    return resource(SystemOut.of(system), system.version)


@router.patch("/v1/systems/{system_id}", response_model=SystemOut)
async def patch_system(
    system_id: UUID, body: SystemPatch, ctx: Ctx, repo: Repo, pool: ReadPool, expected: IfMatch
) -> Response:
    """Change inventory fields (owner, tier, role, intended use, tags...); send If-Match."""
    changes = body.model_dump(exclude_unset=True)
    await _unclaimed(pool, changes.get("mlflow_model_names", []), system_id)
    system, result = await handlers.update_system(repo, ctx, system_id, changes, expected)
    if result is None:
        return resource(SystemOut.of(system), system.version)
    return written(result, SystemOut.of(system))


@router.post("/v1/systems/{system_id}/transitions", response_model=SystemOut, dependencies=[Fresh])
async def transition_system(
    system_id: UUID, body: TransitionIn, ctx: Ctx, repo: Repo, gate: GateDep, expected: IfMatch
) -> Response:
    """Move the system to another lifecycle stage; 409 lists the missing gate evidence."""
    system, result = await handlers.transition_system(
        repo, gate, ctx, system_id, body.to, body.reason, expected
    )
    return written(result, SystemOut.of(system))


@router.post("/v1/systems/{system_id}/model-versions", status_code=201,
             response_model=ModelVersionOut)  # fmt: skip
async def register_model_version(
    system_id: UUID, body: ModelVersionIn, ctx: Ctx, repo: Repo
) -> Response:
    """Register a model version; the same digest again answers 200 with the existing one."""
    fields = body.model_dump() | {"digest": body.digest.removeprefix("sha256:")}
    system, mv, result = await handlers.register_model_version(repo, ctx, system_id, fields)
    if result is None:
        return resource(ModelVersionOut.of(mv), system.version)
    return written(result, ModelVersionOut.of(mv), status=201)


@router.get("/v1/systems/{system_id}/model-versions", response_model=list[ModelVersionOut])
async def list_model_versions(system_id: UUID, repo: Repo) -> Response:
    """The system's model versions, oldest first."""
    system = await handlers.load_system(repo, system_id)
    return resource([ModelVersionOut.of(m) for m in system.model_versions], system.version)


@router.get("/v1/systems/{system_id}/history", response_model=History, dependencies=[Fresh])
async def system_history(
    system_id: UUID, repo: Repo, pool: ReadPool, cursor: str | None = None, limit: Limit = 200
) -> History:
    """The system's events and its deployment decisions, oldest first, with actor and time."""
    await handlers.load_system(repo, system_id)  # 404 for an unknown system
    rows, next_cursor = await queries.history(pool, system_id, cursor=cursor, limit=limit)
    items = [
        HistoryEntry(
            position=r["position"],
            stream_id=r["stream_id"],
            version=r["version"],
            type=r["type"],
            data=r["data"],
            actor=r["metadata"].get("actor", {}).get("sub"),
            roles=r["metadata"].get("actor", {}).get("roles", []),
            recorded_at=r["recorded_at"],
        )  # fmt: skip
        for r in rows
    ]
    return History(items=items, next_cursor=next_cursor)


async def _unclaimed(pool: ReadPool, names: list[str], system_id: UUID | None) -> None:
    """Refuse MLflow names another system already claims (one system per registered model)."""
    taken = await queries.claimed_elsewhere(pool, names, system_id or UUID(int=0))
    if taken:
        raise Conflict(
            f"MLflow model names already claimed: {', '.join(sorted(taken))}",
            code="model_name_claimed", claimed_by={n: str(s) for n, s in taken.items()},
        )  # fmt: skip
