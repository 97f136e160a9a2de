"""Supplier routes: thin translations between JSON and commands."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal
from uuid import UUID

from fastapi import APIRouter, Response

from services.risk.fields import AsOf, Limit
from services.risk.responses import CHANGE, CREATE, DECIDE, LIST, READ_ONE, STALE, documented
from services.risk.suppliers import handlers, queries
from services.risk.suppliers.domain import Supplier
from services.risk.suppliers.schemas import (
    SupplierApprovalIn,
    SupplierIn,
    SupplierRetireIn,
    SupplierReviewIn,
    SupplierRevisionIn,
    supplier_out,
)
from shared.contract.events.risk import DueDiligence
from shared.http.approvals import Sod
from shared.http.deps import Ctx, Fresh, IfMatch, ReadPool, Repo, resource, saved, written
from shared.http.pagination import Cursor, Page

router = APIRouter(tags=["suppliers"])
ApprovalStatus = Literal["pending", "approved"]
Status = Literal["active", "retired"]


def _now() -> datetime:
    return datetime.now(UTC)


@router.post("/v1/suppliers", status_code=201, responses=CREATE)
async def register_supplier(body: SupplierIn, ctx: Ctx, repo: Repo) -> Response:
    """Register a supplier of AI systems, models, data or services (A.10.3)."""
    supplier, result = await handlers.register_supplier(body.to_command(), repo, ctx)
    return written(result, supplier_out(supplier, _now()), status=201,
                   location=f"/v1/suppliers/{supplier.id}")  # fmt: skip


@router.get("/v1/suppliers", response_model=Page, dependencies=[Fresh], responses=LIST)
async def list_suppliers(
    pool: ReadPool, cursor: Cursor = None, limit: Limit = 50, system_id: UUID | None = None,
    risk_id: UUID | None = None, due_diligence: DueDiligence | None = None,
    approval_status: ApprovalStatus | None = None, status: Status | None = None,
    review_due: bool | None = None,
) -> Page:  # fmt: skip
    """Suppliers, newest first; `review_due=true`: active ones past their periodic review."""
    return await queries.list_suppliers(
        pool, cursor=cursor, limit=limit, system_id=system_id, risk_id=risk_id,
        due_diligence=due_diligence, approval_status=approval_status, status=status,
        review_due=review_due,
    )  # fmt: skip


@router.get("/v1/suppliers/{supplier_id}", responses=READ_ONE)
async def get_supplier(supplier_id: UUID, repo: Repo, as_of: AsOf = None) -> Response:
    """One supplier, current or as it was at `as_of`."""
    supplier = await repo.load(Supplier, supplier_id, as_of=as_of)
    return resource(supplier_out(supplier, as_of or _now()), supplier.version)


@router.put("/v1/suppliers/{supplier_id}", responses=CHANGE)
async def revise_supplier(
    supplier_id: UUID, body: SupplierRevisionIn, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Replace a supplier's record; a change withdraws its approval until approved again."""
    cmd = body.to_command(supplier_id, expected)
    supplier, result = await handlers.revise_supplier(cmd, repo, ctx)
    return saved(result, supplier_out(supplier, _now()), supplier.version)


@router.post("/v1/suppliers/{supplier_id}/reviews", status_code=201, responses=CHANGE)
async def review_supplier(
    supplier_id: UUID, body: SupplierReviewIn, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Record a periodic review and its due-diligence status; the review clock restarts. A
    status other than `passed` withdraws the supplier's approval."""
    cmd = body.to_command(supplier_id, expected)
    supplier, result = await handlers.review_supplier(cmd, repo, ctx)
    return written(result, supplier_out(supplier, _now()), status=201,
                   location=f"/v1/suppliers/{supplier.id}")  # fmt: skip


@router.post("/v1/suppliers/{supplier_id}/approve", responses=documented(DECIDE, STALE))
async def approve_supplier(
    supplier_id: UUID, ctx: Ctx, repo: Repo, expected: IfMatch, sod: Sod,
    body: SupplierApprovalIn | None = None,
) -> Response:  # fmt: skip
    """Approve a supplier for use: an approver who neither registered nor revised it, once its
    due diligence has passed (409 otherwise)."""
    cmd = (body or SupplierApprovalIn()).to_command(supplier_id, expected)
    supplier, result = await handlers.approve_supplier(cmd, repo, ctx, sod)
    return written(result, supplier_out(supplier, _now()))


@router.post("/v1/suppliers/{supplier_id}/retire", responses=CHANGE)
async def retire_supplier(
    supplier_id: UUID, body: SupplierRetireIn, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Stop using a supplier (409 if it already is retired)."""
    cmd = body.to_command(supplier_id, expected)
    supplier, result = await handlers.retire_supplier(cmd, repo, ctx)
    return written(result, supplier_out(supplier, _now()))
