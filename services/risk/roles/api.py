"""AI role routes: the organisation's list of AI roles, thin translations to commands."""

from __future__ import annotations

from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Response

from services.risk.fields import AsOf, Limit
from services.risk.records.schemas import PersonQuery
from services.risk.responses import CHANGE, CREATE, LIST, READ_ONE
from services.risk.roles import handlers, queries
from services.risk.roles.domain import AIRole
from services.risk.roles.schemas import RoleIn, RoleRetireIn, RoleRevisionIn, role_out
from shared.http.deps import Ctx, Fresh, IfMatch, ReadPool, Repo, resource, saved, written
from shared.http.pagination import Cursor, Page

router = APIRouter(tags=["AI roles and competence"])
RoleStatus = Literal["active", "retired"]


@router.post("/v1/ai-roles", status_code=201, responses=CREATE)
async def define_role(body: RoleIn, ctx: Ctx, repo: Repo) -> Response:
    """Add an AI role: what it answers for, the competences it needs, who holds it."""
    role, result = await handlers.define_role(body.to_command(), repo, ctx)
    return written(result, role_out(role), status=201, location=f"/v1/ai-roles/{role.id}")


@router.get("/v1/ai-roles", response_model=Page, dependencies=[Fresh], responses=LIST)
async def list_roles(
    pool: ReadPool, cursor: Cursor = None, limit: Limit = 50, status: RoleStatus | None = None,
    member: PersonQuery = None,
) -> Page:  # fmt: skip
    """The organisation's AI roles, newest first."""
    return await queries.list_roles(pool, cursor=cursor, limit=limit, status=status,
                                    member=member)  # fmt: skip


@router.get("/v1/ai-roles/{role_id}", responses=READ_ONE)
async def get_role(role_id: UUID, repo: Repo, as_of: AsOf = None) -> Response:
    """One AI role, current or as it was at `as_of`."""
    role = await repo.load(AIRole, role_id, as_of=as_of)
    return resource(role_out(role), role.version)


@router.put("/v1/ai-roles/{role_id}", responses=CHANGE)
async def revise_role(
    role_id: UUID, body: RoleRevisionIn, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Replace a role's content (holders included); unchanged content writes nothing."""
    role, result = await handlers.revise_role(body.to_command(role_id, expected), repo, ctx)
    return saved(result, role_out(role), role.version)


@router.post("/v1/ai-roles/{role_id}/retire", responses=CHANGE)
async def retire_role(
    role_id: UUID, body: RoleRetireIn, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Take a role off the list (409 if it is already retired)."""
    role, result = await handlers.retire_role(body.to_command(role_id, expected), repo, ctx)
    return written(result, role_out(role))
