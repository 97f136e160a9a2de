"""Impact-assessment and Statement of Applicability command handlers."""

from __future__ import annotations

from typing import Any
from uuid import UUID

from services.risk.domain.impact import ImpactAssessment
from services.risk.domain.risk import Risk
from services.risk.domain.soa import SoAEntry, entry_id
from services.risk.lookups import impact_ids, load, load_or_new
from shared.domain.errors import Invalid
from shared.domain.repository import Repository
from shared.kernel.eventstore import AppendResult, StreamNotFound
from shared.kernel.requestctx import RequestContext

Saved = tuple[ImpactAssessment, AppendResult | None]


async def _check_risks(repo: Repository, system_id: UUID, risk_ids: list[UUID]) -> None:
    """Linked risks must exist and belong to the same AI system."""
    errs = []
    for i, risk_id in enumerate(risk_ids):
        try:
            risk = await load(repo, Risk, risk_id)
            ok = risk.system_id == system_id
        except StreamNotFound:
            ok = False
        if not ok:
            errs.append({"loc": ["body", "risk_ids", str(i)], "type": "unknown_risk",
                         "msg": f"{risk_id} is not a risk of system {system_id}"})  # fmt: skip
    if errs:
        raise Invalid("risk_ids names risks this system does not have", code="unknown_risk",
                      errors=errs)  # fmt: skip


async def draft_impact(
    repo: Repository, ctx: RequestContext, system_id: UUID, content: dict[str, Any]
) -> tuple[ImpactAssessment, AppendResult]:
    """Start an impact assessment of an AI system."""
    await _check_risks(repo, system_id, [UUID(str(r)) for r in content.get("risk_ids", [])])
    ia = ImpactAssessment.draft(ctx.new_id("impact"), system_id, ctx.actor.sub, content)
    return ia, await repo.save(ia, ctx, expected_version=0)


async def revise_impact(
    repo: Repository, ctx: RequestContext, id: UUID, changes: dict[str, Any], expected: int | None
) -> Saved:
    """Change the content of an assessment (back to draft)."""
    ia = await load(repo, ImpactAssessment, id)
    assert ia.system_id is not None
    if "risk_ids" in changes:
        await _check_risks(repo, ia.system_id, [UUID(str(r)) for r in changes["risk_ids"]])
    ia.revise(changes)
    if not ia.pending:
        return ia, None
    return ia, await repo.save(ia, ctx, expected_version=expected)


async def submit_impact(
    repo: Repository, ctx: RequestContext, id: UUID, expected: int | None
) -> tuple[ImpactAssessment, AppendResult]:
    """Submit a draft assessment for approval."""
    ia = await load(repo, ImpactAssessment, id)
    ia.submit(ctx.actor)
    return ia, await repo.save(ia, ctx, expected_version=expected)


async def approve_impact(
    repo: Repository, ctx: RequestContext, id: UUID, comment: str, expected: int | None
) -> tuple[ImpactAssessment, AppendResult]:
    """Approve a submitted assessment (not by its author)."""
    ia = await load(repo, ImpactAssessment, id)
    ia.approve(ctx.actor, comment)
    return ia, await repo.save(ia, ctx, expected_version=expected)


async def mark_reviews_due(
    repo: Repository, ctx: RequestContext, system_id: UUID, reason: str, position: int
) -> int:
    """Call every approved assessment of a system into review after a significant change."""
    marked = 0
    for ia_id in await impact_ids(repo, system_id):
        ia = await load(repo, ImpactAssessment, ia_id)
        ia.mark_review_due(reason, position)
        if ia.pending:
            await repo.save(ia, ctx)
            marked += 1
    return marked


async def set_soa_entry(
    repo: Repository, ctx: RequestContext, control_id: str, fields: dict[str, Any],
    expected: int | None,
) -> tuple[SoAEntry, AppendResult | None]:  # fmt: skip
    """Record whether an Annex A control applies, and why."""
    SoAEntry.for_control(control_id)  # NotFound for anything but an Annex A control
    entry = await load_or_new(repo, SoAEntry, entry_id(control_id))
    entry.control_id = control_id
    entry.set(**fields)
    if not entry.pending:
        return entry, None
    return entry, await repo.save(entry, ctx, expected_version=expected)
