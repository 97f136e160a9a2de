"""Four-eyes approvals over HTTP, the same in every service that owns such things.

`GET /v1/approvals` lists this service's requests from its projection;
`GET /v1/approvals/{id}` and the decisions read the log itself (no projection lag), so an
approver can act on a request the moment it is recorded. Who may decide is the
separation-of-duties policy's business (`shared.domain.sod`), not the route's roles.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal
from uuid import UUID

import asyncpg
import orjson
from fastapi import APIRouter, Depends, Query, Request, Response
from pydantic import BaseModel, ConfigDict, Field

from shared.domain import approvals
from shared.domain.approvals import ChangeRequest, Kinds, Requested
from shared.domain.sod import SodPolicy
from shared.http.auth import ANY_ROLE, AccessTable
from shared.http.deps import Ctx, Fresh, ReadPool, Repo, resource, written
from shared.http.pagination import Cursor, Page, keyset_page
from shared.kernel.eventstore import StoredEvent
from shared.kernel.projections import Projection, Writes, WritesProjection, uid

Status = Literal["pending", "approved", "rejected"]
COLUMNS = (
    "approval_id, status, decision, subject_type, subject_id, href, system_id, change, reason,"
    " requested_by, requested_at, excluded, decided_by, decided_at, comment"
)


def sod_policy(request: Request) -> SodPolicy:
    """The separation-of-duties policy the service loaded at start."""
    policy: SodPolicy = request.app.state.sod
    return policy


Sod = Annotated[SodPolicy, Depends(sod_policy)]


class CommentIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: str = Field("", max_length=4000)


class ReasonIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    comment: str = Field(min_length=1, max_length=4000, pattern=r"\S")


def accepted(requested: Requested) -> Response:
    """The answer to a change that waits for approval: 202, the approval, its Location."""
    req = requested.request
    body = approvals.view(requested.kind, req)
    return written(requested.result, body, status=202, location=f"/v1/approvals/{req.approval_id}")


def policy_router() -> APIRouter:
    """`GET /v1/policies/separation-of-duties`: the rules every decision is checked against."""
    router = APIRouter(tags=["separation of duties"])

    @router.get("/v1/policies/separation-of-duties")
    async def get_sod_policy(sod: Sod) -> dict[str, Any]:
        """Per decision: who may request it, who may decide it, who is excluded; version, sha256."""
        return sod.document()

    return router


# What a service's access table adds for these routes (every service serves the policy).
POLICY_ACCESS: AccessTable = {("GET", "/v1/policies/separation-of-duties"): ANY_ROLE}
APPROVAL_ACCESS: AccessTable = {
    ("GET", "/v1/approvals"): ANY_ROLE,
    ("GET", "/v1/approvals/{approval_id}"): ANY_ROLE,
    # Any role reaches the route; the policy then admits only the decision's approvers.
    ("POST", "/v1/approvals/{approval_id}/approve"): ANY_ROLE,
    ("POST", "/v1/approvals/{approval_id}/reject"): ANY_ROLE,
}


def approvals_router(kinds: Kinds, table: str) -> APIRouter:
    """The approvals routes of a service whose things of `kinds` need four eyes."""
    router = APIRouter(tags=["approvals"])
    documented: dict[int | str, dict[str, Any]] = {
        403: {"description": "separation of duties: the caller may not decide this"},
        404: {"description": "no such approval in this service"},
        409: {"description": "already decided, or what it was asked against has changed"},
    }

    @router.get("/v1/approvals", response_model=Page, dependencies=[Fresh])
    async def list_approvals(
        pool: ReadPool, cursor: Cursor = None,
        limit: Annotated[int, Query(ge=1, le=500)] = 50, status: Status | None = None,
        decision: Annotated[str | None, Query(max_length=100)] = None,
        subject_id: UUID | None = None, system_id: UUID | None = None,
        requested_by: Annotated[str | None, Query(max_length=200)] = None,
    ) -> Page:  # fmt: skip
        """Requests for changes that need a second person, newest first."""
        return await _list(pool, table, cursor=cursor, limit=limit, status=status,
                           decision=decision, subject_id=subject_id, system_id=system_id,
                           requested_by=requested_by)  # fmt: skip

    @router.get("/v1/approvals/{approval_id}", responses={404: documented[404]})
    async def get_approval(approval_id: UUID, repo: Repo) -> Response:
        """One approval: what was asked, by whom, who may not decide it, and the outcome."""
        kind, agg, req = await approvals.find(repo, kinds, approval_id)
        return resource(approvals.view(kind, req), agg.version)

    @router.post("/v1/approvals/{approval_id}/approve", responses=documented)
    async def approve(
        approval_id: UUID, ctx: Ctx, repo: Repo, sod: Sod, body: CommentIn | None = None
    ) -> Response:
        """Approve: the change takes effect as one event citing this approval."""
        comment = body.comment if body else ""
        kind, req = await approvals.decide(repo, ctx, sod, kinds, approval_id, approve=True,
                                           comment=comment)  # fmt: skip
        return await _decided(repo, kinds, kind, req)

    @router.post("/v1/approvals/{approval_id}/reject", responses=documented)
    async def reject(approval_id: UUID, body: ReasonIn, ctx: Ctx, repo: Repo, sod: Sod) -> Response:
        """Reject, with the reason: nothing changes."""
        kind, req = await approvals.decide(repo, ctx, sod, kinds, approval_id, approve=False,
                                           comment=body.comment)  # fmt: skip
        return await _decided(repo, kinds, kind, req)

    return router


async def _decided(
    repo: Any, kinds: Kinds, kind: approvals.ApprovalKind, req: ChangeRequest
) -> Response:
    _, agg, fresh = await approvals.find(repo, kinds, req.approval_id)
    return resource(approvals.view(kind, fresh), agg.version)


async def _list(
    pool: asyncpg.Pool, table: str, *, cursor: str | None, limit: int, **filters: Any
) -> Page:
    conditions = [(f"{column} = {{}}", value) for column, value in filters.items()]
    page = await keyset_page(pool, table, conditions, cursor=cursor, limit=limit,
                             columns=COLUMNS + ", created_position", keep_key=False)  # fmt: skip
    for item in page.items:
        subject = {"type": item.pop("subject_type"), "id": item.pop("subject_id"),
                   "href": item.pop("href")}  # fmt: skip
        item["subject"] = subject
        item["href"] = f"/v1/approvals/{item['approval_id']}"
        for key in ("change", "excluded"):
            if isinstance(item[key], str):
                item[key] = orjson.loads(item[key])
    return page


def table_of(service: str) -> str:
    """The table listing a service's approvals."""
    return f"{service}_approval"


def approval_list(service: str, kinds: Kinds, effects: frozenset[str]) -> Projection:
    """The projection listing a service's approvals (`effects`: event types that carry one)."""
    table = table_of(service)

    class ApprovalList(WritesProjection):
        tables = (table,)
        types = frozenset({"ChangeRequested", "ChangeRejected"}) | effects

        def apply(self, w: Writes, e: StoredEvent) -> None:
            kind = kinds.get(e.category)
            if kind is None:
                return
            d = e.data
            if e.type == "ChangeRequested":
                w.add(
                    [("approval", d["approval_id"])],
                    f"INSERT INTO {table} (approval_id, stream_id, decision, subject_type,"
                    " subject_id, href, system_id, status, change, reason, requested_by,"
                    " requested_at, excluded, created_position) VALUES ($1, $2, $3, $4, $5,"
                    " $6, $7, 'pending', $8::text::jsonb, $9, $10, $11, $12::text::jsonb, $13)"
                    " ON CONFLICT (approval_id) DO NOTHING",
                    uid(d["approval_id"]), e.stream_id, d["decision"], kind.subject_type,
                    uid(d["subject_id"]), kind.href(uid(d["subject_id"]), d["change"]),
                    uid(d["system_id"]) if d.get("system_id") else None,
                    orjson.dumps(d["change"]).decode(), d.get("reason", ""), d["requested_by"],
                    e.recorded_at, orjson.dumps(d.get("excluded", {})).decode(), e.position,
                )  # fmt: skip
            elif e.type == "ChangeRejected":
                _decide(w, table, d["approval_id"], "rejected", d["rejected_by"], d["comment"], e)
            elif d.get("approval"):
                ref = d["approval"]
                _decide(w, table, ref["approval_id"], "approved", ref["approved_by"],
                        ref.get("comment", ""), e)  # fmt: skip

    ApprovalList.name = f"{service}.approvals"
    return ApprovalList()


def _decide(
    w: Writes, table: str, approval_id: str, status: str, by: str, comment: str, e: StoredEvent
) -> None:
    w.add(
        [("approval", approval_id)],
        f"UPDATE {table} SET status = $2, decided_by = $3, comment = $4, decided_at = $5"
        " WHERE approval_id = $1",
        uid(approval_id), status, by, comment, e.recorded_at,
    )  # fmt: skip
