"""Supplier command handlers (one commit point each)."""

from __future__ import annotations

from datetime import UTC, datetime

from services.risk.records.queries import check_risks
from services.risk.suppliers.commands import (
    ApproveSupplier,
    RegisterSupplier,
    RetireSupplier,
    ReviewSupplier,
    ReviseSupplier,
)
from services.risk.suppliers.domain import Supplier
from shared.domain.repository import Repository
from shared.domain.sod import SodPolicy
from shared.kernel.eventstore import AppendResult
from shared.kernel.requestctx import RequestContext

Saved = tuple[Supplier, AppendResult]


async def register_supplier(cmd: RegisterSupplier, repo: Repository, ctx: RequestContext) -> Saved:
    """Register a supplier; the risks it names must be in the register."""
    await check_risks(repo, cmd.content.risk_ids)
    content = cmd.content.document(ctx.actor.sub)
    supplier = Supplier.register(ctx.new_id("supplier"), content, ctx.actor.sub,
                                 datetime.now(UTC))  # fmt: skip
    return supplier, await repo.save(supplier, ctx, expected_version=0)


async def revise_supplier(
    cmd: ReviseSupplier, repo: Repository, ctx: RequestContext
) -> tuple[Supplier, AppendResult | None]:
    """Change a supplier; None when nothing changed."""
    supplier = await repo.load(Supplier, cmd.supplier_id)
    await check_risks(repo, cmd.content.risk_ids)
    supplier.revise(cmd.content.document(supplier.content["owner"]), ctx.actor.sub)
    if not supplier.pending:
        return supplier, None
    return supplier, await repo.save(supplier, ctx, expected_version=cmd.expected_version)


async def review_supplier(cmd: ReviewSupplier, repo: Repository, ctx: RequestContext) -> Saved:
    """Record a periodic review of a supplier."""
    supplier = await repo.load(Supplier, cmd.supplier_id)
    supplier.review(cmd.due_diligence, cmd.comment, ctx.actor.sub, datetime.now(UTC))
    return supplier, await repo.save(supplier, ctx, expected_version=cmd.expected_version)


async def approve_supplier(
    cmd: ApproveSupplier, repo: Repository, ctx: RequestContext, sod: SodPolicy
) -> Saved:
    """Approve a supplier for use (not by whoever registered or revised it)."""
    supplier = await repo.load(Supplier, cmd.supplier_id)
    supplier.approve(ctx.actor, cmd.comment, sod)
    return supplier, await repo.save(supplier, ctx, expected_version=cmd.expected_version)


async def retire_supplier(cmd: RetireSupplier, repo: Repository, ctx: RequestContext) -> Saved:
    """Stop using a supplier."""
    supplier = await repo.load(Supplier, cmd.supplier_id)
    supplier.retire(cmd.reason, ctx.actor.sub)
    return supplier, await repo.save(supplier, ctx, expected_version=cmd.expected_version)
