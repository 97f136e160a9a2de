"""AI objective command handlers (one commit point each)."""

from __future__ import annotations

from datetime import UTC, datetime

from services.risk.objectives.commands import (
    ApproveObjective,
    MeasureObjective,
    ReviseObjective,
    SetObjective,
)
from services.risk.objectives.domain import Objective
from services.risk.records.queries import check_evidence
from shared.domain.repository import Repository
from shared.domain.sod import SodPolicy
from shared.kernel.eventstore import AppendResult
from shared.kernel.requestctx import RequestContext

Saved = tuple[Objective, AppendResult]


async def set_objective(cmd: SetObjective, repo: Repository, ctx: RequestContext) -> Saved:
    """Set a new AI objective; it waits for approval."""
    objective = Objective.set(ctx.new_id("objective"), cmd.content.document(), ctx.actor.sub)
    return objective, await repo.save(objective, ctx, expected_version=0)


async def revise_objective(
    cmd: ReviseObjective, repo: Repository, ctx: RequestContext
) -> tuple[Objective, AppendResult | None]:
    """Change an objective; None when nothing changed."""
    objective = await repo.load(Objective, cmd.objective_id)
    objective.revise(cmd.content.document(), ctx.actor.sub)
    if not objective.pending:
        return objective, None
    return objective, await repo.save(objective, ctx, expected_version=cmd.expected_version)


async def approve_objective(
    cmd: ApproveObjective, repo: Repository, ctx: RequestContext, sod: SodPolicy
) -> Saved:
    """Approve an objective (not by its author or revisers)."""
    objective = await repo.load(Objective, cmd.objective_id)
    objective.approve(ctx.actor, cmd.comment, sod)
    return objective, await repo.save(objective, ctx, expected_version=cmd.expected_version)


async def measure_objective(cmd: MeasureObjective, repo: Repository, ctx: RequestContext) -> Saved:
    """Record a measurement of an objective; its evidence, when named, must exist."""
    objective = await repo.load(Objective, cmd.objective_id)
    objective.measure(ctx.new_id("measurement"), cmd.value, cmd.measured_at, ctx.actor.sub,
                      datetime.now(UTC), cmd.note, cmd.evidence_id)  # fmt: skip
    await check_evidence(repo, cmd.evidence_id)
    return objective, await repo.save(objective, ctx)
