"""Impact-assessment command handlers (one commit point each)."""

from __future__ import annotations

from uuid import UUID

from services.risk.impact.commands import (
    KEEP,
    ApproveImpact,
    DraftImpact,
    MarkReviewsDue,
    ReviseImpact,
    SubmitImpact,
)
from services.risk.impact.domain import ImpactAssessment
from services.risk.impact.queries import impact_ids
from services.risk.register.domain import Risk
from services.risk.systems import system_owner
from shared.domain.errors import Invalid
from shared.domain.repository import Repository
from shared.domain.sod import SodPolicy
from shared.kernel.eventstore import AppendResult, StreamNotFound
from shared.kernel.requestctx import RequestContext

Saved = tuple[ImpactAssessment, AppendResult]


async def _check_risks(repo: Repository, system_id: UUID, risk_ids: tuple[UUID, ...]) -> None:
    """Linked risks must exist and belong to the same AI system."""
    errs = []
    for i, risk_id in enumerate(risk_ids):
        try:
            ok = (await repo.load(Risk, risk_id)).system_id == system_id
        except StreamNotFound:
            ok = False
        if not ok:
            errs.append({"loc": ["body", "risk_ids", str(i)], "type": "unknown_risk",
                         "msg": f"{risk_id} is not a risk of system {system_id}"})  # fmt: skip
    if errs:
        raise Invalid("risk_ids names risks this system does not have", code="unknown_risk",
                      errors=errs)  # fmt: skip


async def draft_impact(cmd: DraftImpact, repo: Repository, ctx: RequestContext) -> Saved:
    """Start an impact assessment of an AI system."""
    await _check_risks(repo, cmd.system_id, cmd.content.risk_ids)
    content = cmd.content.document()
    ia = ImpactAssessment.draft(ctx.new_id("impact"), cmd.system_id, ctx.actor.sub, content)
    return ia, await repo.save(ia, ctx, expected_version=0)


async def revise_impact(
    cmd: ReviseImpact, repo: Repository, ctx: RequestContext
) -> tuple[ImpactAssessment, AppendResult | None]:
    """Change the content of an assessment (back to draft); None when nothing changed."""
    ia = await repo.load(ImpactAssessment, cmd.assessment_id)
    if cmd.changes.risk_ids is not KEEP:
        await _check_risks(repo, ia.assessed_system_id, cmd.changes.risk_ids)
    ia.revise(cmd.changes.document(), ctx.actor)
    if not ia.pending:
        return ia, None
    return ia, await repo.save(ia, ctx, expected_version=cmd.expected_version)


async def submit_impact(cmd: SubmitImpact, repo: Repository, ctx: RequestContext) -> Saved:
    """Submit a draft assessment for approval."""
    ia = await repo.load(ImpactAssessment, cmd.assessment_id)
    ia.submit(ctx.actor)
    return ia, await repo.save(ia, ctx, expected_version=cmd.expected_version)


async def approve_impact(
    cmd: ApproveImpact, repo: Repository, ctx: RequestContext, sod: SodPolicy
) -> Saved:
    """Approve a submitted assessment (not by its author, revisers, submitters, system owner)."""
    ia = await repo.load(ImpactAssessment, cmd.assessment_id)
    owner = await system_owner(repo, ia.assessed_system_id)
    ia.approve(ctx.actor, cmd.comment, owner, sod)
    return ia, await repo.save(ia, ctx, expected_version=cmd.expected_version)


async def mark_reviews_due(cmd: MarkReviewsDue, repo: Repository, ctx: RequestContext) -> int:
    """Call every approved assessment of a system into review; returns how many.

    Each assessment is its own stream and its own append; a rerun (the reactor replaying a
    batch) skips those already due, so it writes nothing twice.
    """
    marked = 0
    for ia_id in await impact_ids(repo, cmd.system_id):
        ia = await repo.load(ImpactAssessment, ia_id)
        ia.mark_review_due(cmd.reason, cmd.position)
        if ia.pending:
            await repo.save(ia, ctx)
            marked += 1
    return marked
