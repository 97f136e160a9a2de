"""Context and scope routes: interested parties, and the scope of the AI management system."""

from __future__ import annotations

from typing import Any, Literal
from uuid import UUID

from fastapi import APIRouter, Response

from services.risk.fields import AsOf, Limit
from services.risk.responses import (
    CHANGE,
    CREATE,
    DECIDE,
    LIST,
    READ_ONE,
    STALE,
    WRITE,
    documented,
)
from services.risk.scope import handlers, queries
from services.risk.scope.domain import SCOPE_ID, AIMSScope, InterestedParty
from services.risk.scope.schemas import (
    PartyIn,
    PartyRetireIn,
    PartyRevisionIn,
    ScopeApprovalIn,
    ScopeIn,
    party_out,
    scope_out,
)
from shared.contract.events.risk import PartyKind
from shared.http.approvals import Sod
from shared.http.deps import Ctx, Fresh, IfMatch, ReadPool, Repo, resource, saved, written
from shared.http.pagination import Cursor, Page

router = APIRouter(tags=["context and scope"])
Status = Literal["active", "retired"]
FIRST: dict[int | str, dict[str, Any]] = {201: {"description": "the first version of the scope"}}


@router.post("/v1/interested-parties", status_code=201, responses=CREATE)
async def record_party(body: PartyIn, ctx: Ctx, repo: Repo) -> Response:
    """Record an interested party of the AI management system and its requirements (4.2)."""
    party, result = await handlers.record_party(body.to_command(), repo, ctx)
    return written(result, party_out(party), status=201,
                   location=f"/v1/interested-parties/{party.id}")  # fmt: skip


@router.get("/v1/interested-parties", response_model=Page, dependencies=[Fresh], responses=LIST)
async def list_parties(
    pool: ReadPool, cursor: Cursor = None, limit: Limit = 50, kind: PartyKind | None = None,
    system_id: UUID | None = None, status: Status | None = None,
) -> Page:  # fmt: skip
    """Interested parties, newest first."""
    return await queries.list_parties(pool, cursor=cursor, limit=limit, kind=kind,
                                      system_id=system_id, status=status)  # fmt: skip


@router.get("/v1/interested-parties/{party_id}", responses=READ_ONE)
async def get_party(party_id: UUID, repo: Repo, as_of: AsOf = None) -> Response:
    """One interested party, current or as it was at `as_of`."""
    party = await repo.load(InterestedParty, party_id, as_of=as_of)
    return resource(party_out(party), party.version)


@router.put("/v1/interested-parties/{party_id}", responses=CHANGE)
async def revise_party(
    party_id: UUID, body: PartyRevisionIn, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Replace an interested party's record (requirements included)."""
    party, result = await handlers.revise_party(body.to_command(party_id, expected), repo, ctx)
    return saved(result, party_out(party), party.version)


@router.post("/v1/interested-parties/{party_id}/retire", responses=CHANGE)
async def retire_party(
    party_id: UUID, body: PartyRetireIn, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Mark an interested party no longer relevant (409 if it already is)."""
    party, result = await handlers.retire_party(body.to_command(party_id, expected), repo, ctx)
    return written(result, party_out(party))


@router.get("/v1/scope", responses=READ_ONE)
async def get_scope(repo: Repo, as_of: AsOf = None) -> Response:
    """The scope of the AI management system (4.3): the latest version, the approved one in
    force and the AI systems inside it (404 until a first version is written)."""
    scope = await repo.load(AIMSScope, SCOPE_ID, as_of=as_of)
    return resource(scope_out(scope), scope.version)


@router.put("/v1/scope", responses=documented(FIRST, WRITE))
async def set_scope(body: ScopeIn, ctx: Ctx, repo: Repo, expected: IfMatch) -> Response:
    """Write a new version of the scope; the approved one stays in force until this one is
    approved. The same content as the latest version writes nothing."""
    scope, result = await handlers.set_scope(body.to_command(expected), repo, ctx)
    if result is not None and scope.version == 1:
        return written(result, scope_out(scope), status=201, location="/v1/scope")
    return saved(result, scope_out(scope), scope.version)


@router.post("/v1/scope/approve", responses=documented(DECIDE, STALE))
async def approve_scope(
    ctx: Ctx, repo: Repo, expected: IfMatch, sod: Sod, body: ScopeApprovalIn | None = None
) -> Response:
    """Approve the latest version of the scope: an approver who wrote none of its versions."""
    cmd = (body or ScopeApprovalIn()).to_command(expected)
    scope, result = await handlers.approve_scope(cmd, repo, ctx, sod)
    return written(result, scope_out(scope))
