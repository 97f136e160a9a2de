"""Risk criteria command handlers (one commit point each)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast
from uuid import UUID

from services.risk.criteria.commands import SetCriteria
from services.risk.criteria.domain import CRITERIA_ID, FIELDS, RiskCriteria
from shared.contract.events.approvals import ApprovalRef
from shared.domain import approvals
from shared.domain.approvals import ApprovalKind, ChangeControlled, ChangeRequest, Requested
from shared.domain.repository import Repository
from shared.domain.sod import SodPolicy
from shared.kernel.eventstore import AppendResult, StreamNotFound
from shared.kernel.requestctx import RequestContext


async def current_criteria(repo: Repository) -> RiskCriteria:
    """The criteria in force (the built-in default until the first set)."""
    try:
        return await repo.load(RiskCriteria, CRITERIA_ID)
    except StreamNotFound:
        return RiskCriteria(CRITERIA_ID)


async def set_criteria(
    cmd: SetCriteria, repo: Repository, ctx: RequestContext, sod: SodPolicy
) -> RiskCriteria | Requested:
    """Ask for new risk criteria (they wait for an approver); unchanged ones are returned."""
    criteria = await current_criteria(repo)
    doc = cmd.document()
    decision = criteria.decision(doc)
    if decision is None:
        return criteria
    change = {k: doc[k] for k in FIELDS}
    return await approvals.request(
        repo, ctx, sod, CRITERIA, criteria, decision, change, basis=criteria.basis(),
        expected_version=cmd.expected_version,
    )  # fmt: skip


class CriteriaChanges(ApprovalKind):
    """The risk criteria in four-eyes approvals: every new version."""

    aggregate = RiskCriteria
    subject_type = "criteria"

    def href(self, subject_id: UUID, change: Mapping[str, Any]) -> str:
        return "/v1/criteria"

    async def relations(
        self, repo: Repository, agg: ChangeControlled, req: ChangeRequest
    ) -> dict[str, set[str]]:
        return {"author": {agg.author} if agg.author else set(), "revisers": set(agg.writers)}

    async def carry_out(
        self, repo: Repository, ctx: RequestContext, agg: ChangeControlled, req: ChangeRequest,
        ref: ApprovalRef,
    ) -> AppendResult:  # fmt: skip
        cast(RiskCriteria, agg).carry_out(req, ref)
        return await repo.save(agg, ctx)


CRITERIA = CriteriaChanges()
