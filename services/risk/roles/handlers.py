"""AI role command handlers (one commit point each)."""

from __future__ import annotations

from services.risk.roles.commands import DefineRole, RetireRole, ReviseRole
from services.risk.roles.domain import AIRole
from shared.domain.repository import Repository
from shared.kernel.eventstore import AppendResult
from shared.kernel.requestctx import RequestContext


async def define_role(
    cmd: DefineRole, repo: Repository, ctx: RequestContext
) -> tuple[AIRole, AppendResult]:
    """Add an AI role to the organisation's list."""
    role = AIRole.define(ctx.new_id("airole"), cmd.content.document(ctx.actor.sub), ctx.actor.sub)
    return role, await repo.save(role, ctx, expected_version=0)


async def revise_role(
    cmd: ReviseRole, repo: Repository, ctx: RequestContext
) -> tuple[AIRole, AppendResult | None]:
    """Change a role; None when nothing changed."""
    role = await repo.load(AIRole, cmd.role_id)
    role.revise(cmd.content.document(role.content["owner"]), ctx.actor.sub)
    if not role.pending:
        return role, None
    return role, await repo.save(role, ctx, expected_version=cmd.expected_version)


async def retire_role(
    cmd: RetireRole, repo: Repository, ctx: RequestContext
) -> tuple[AIRole, AppendResult]:
    """Take a role off the list."""
    role = await repo.load(AIRole, cmd.role_id)
    role.retire(cmd.reason, ctx.actor.sub)
    return role, await repo.save(role, ctx, expected_version=cmd.expected_version)
