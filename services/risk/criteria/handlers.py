"""Risk criteria command handlers (one commit point each)."""

from __future__ import annotations

from services.risk.criteria.commands import SetCriteria
from services.risk.criteria.domain import CRITERIA_ID, RiskCriteria
from shared.domain.repository import Repository
from shared.kernel.eventstore import AppendResult, StreamNotFound
from shared.kernel.requestctx import RequestContext


async def current_criteria(repo: Repository) -> RiskCriteria:
    """The criteria in force (the built-in default until the first set)."""
    try:
        return await repo.load(RiskCriteria, CRITERIA_ID)
    except StreamNotFound:
        return RiskCriteria(CRITERIA_ID)


async def set_criteria(
    cmd: SetCriteria, repo: Repository, ctx: RequestContext
) -> tuple[RiskCriteria, AppendResult | None]:
    """Adopt a new version of the risk criteria; None when nothing changed."""
    criteria = await current_criteria(repo)
    criteria.set(cmd.document())
    if not criteria.pending:
        return criteria, None
    return criteria, await repo.save(criteria, ctx, expected_version=cmd.expected_version)
