"""Handlers of a system's responsibilities: load, decide, save (one commit point)."""

from __future__ import annotations

from services.registry.operation.handlers import changeable_system, load_or_new
from services.registry.responsibilities.commands import AssignResponsibilities
from services.registry.responsibilities.domain import Responsibilities
from shared.domain.repository import Repository
from shared.kernel.eventstore import AppendResult
from shared.kernel.requestctx import RequestContext


async def assign_responsibilities(
    cmd: AssignResponsibilities, ctx: RequestContext, repo: Repository
) -> tuple[Responsibilities, AppendResult | None]:
    """Record the system's RACI (its owner or an admin); nothing new, no result."""
    await changeable_system(repo, cmd.system_id, ctx)
    raci = await load_or_new(repo, Responsibilities, cmd.system_id)
    raci.assign(cmd.accountable, cmd.responsible, cmd.consulted, cmd.informed)
    if not raci.pending:
        return raci, None
    return raci, await repo.save(raci, ctx, expected_version=cmd.expected_version)
