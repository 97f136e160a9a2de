"""Registry command handlers: load, decide, save (one commit point each)."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from services.registry.domain.system import AISystem
from shared.aggregate import Repository
from shared.eventstore import AppendResult
from shared.requestctx import RequestContext


async def register_system(
    repo: Repository, ctx: RequestContext, fields: dict[str, Any]
) -> tuple[AISystem, AppendResult]:
    """Register a new AI system."""
    system = AISystem.register(ctx.new_id("system"), **fields)
    result = await repo.save(system, ctx, expected_version=0)
    return system, result


async def update_system(
    repo: Repository, ctx: RequestContext, system_id: UUID, changes: dict[str, Any],
    expected_version: int | None,
) -> tuple[AISystem, AppendResult | None]:  # fmt: skip
    """Change inventory fields of a system (optimistic concurrency via If-Match)."""
    system = await repo.load(AISystem, system_id)
    assert isinstance(system, AISystem)
    system.update(changes)
    if not system.pending:
        return system, None
    return system, await repo.save(system, ctx, expected_version=expected_version)
