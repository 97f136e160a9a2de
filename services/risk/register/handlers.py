"""Risk register command handlers: load, decide, save (one commit point each).

A material change to a risk (re-assessment, new treatment, residual change) also voids the
acceptances that relied on the earlier risk. Those live in other streams, and the store
appends to one stream per transaction, so the handler appends the change first (the
commit point of the command) and then voids each open acceptance with its own append,
retrying when an approval raced it. If the process dies between the two, the reactor in
`services.risk.register.reactor` sees the change in the log and appends the missing void;
the read side never waits for it, because an acceptance only counts while the risk has
not changed since the version it names (`Acceptance.is_valid`).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any, cast
from uuid import UUID

from services.risk.criteria.domain import RiskCriteria
from services.risk.criteria.handlers import current_criteria
from services.risk.register.commands import (
    AssessResidual,
    CloseRisk,
    CompleteTreatment,
    DecideAcceptance,
    ExpireAcceptances,
    IdentifyRisk,
    PlanTreatment,
    ReassessRisk,
    RequestAcceptance,
    VoidAcceptanceIfStale,
    VoidStaleAcceptances,
)
from services.risk.register.domain import OPEN, Acceptance, Risk
from services.risk.register.queries import acceptance_ids, acceptances_of
from services.risk.systems import system_owner
from shared.contract.events.approvals import ApprovalRef
from shared.domain import approvals
from shared.domain.approvals import ApprovalKind, ChangeControlled, ChangeRequest, Requested
from shared.domain.repository import Repository
from shared.domain.sod import SodPolicy
from shared.kernel.eventstore import AppendResult, WrongExpectedVersion
from shared.kernel.requestctx import RequestContext

Saved = tuple[Risk, AppendResult | None]
# A change that lowers protection is not made but asked for: the request, waiting.
Outcome = Saved | Requested


def _now() -> datetime:
    return datetime.now(UTC)


async def identify_risk(
    cmd: IdentifyRisk, repo: Repository, ctx: RequestContext
) -> tuple[Risk, AppendResult]:
    """Add a risk to the register, scored with the current criteria."""
    criteria = await current_criteria(repo)
    risk = Risk.identify(
        ctx.new_id("risk"), criteria, system_id=cmd.system_id, title=cmd.title,
        category=cmd.category, affects=list(cmd.affects), likelihood=cmd.likelihood,
        consequence=cmd.consequence, owner=cmd.owner, description=cmd.description,
        source=cmd.source,
    )  # fmt: skip
    return risk, await repo.save(risk, ctx, expected_version=0)


async def reassess_risk(
    cmd: ReassessRisk, repo: Repository, ctx: RequestContext, sod: SodPolicy
) -> Outcome:
    """Score the inherent risk again; bringing it within appetite waits for an approver."""
    risk, criteria = await repo.load(Risk, cmd.risk_id), await current_criteria(repo)
    decision = risk.reassess_decision(criteria, cmd.likelihood, cmd.consequence)
    if decision is not None:
        change = {"op": "reassess", "likelihood": cmd.likelihood, "consequence": cmd.consequence,
                  "reason": cmd.reason}  # fmt: skip
        return await _request(repo, ctx, sod, risk, criteria, decision, change, cmd.reason,
                              cmd.expected_version)  # fmt: skip
    risk.reassess(criteria, cmd.likelihood, cmd.consequence, cmd.reason)
    if not risk.pending:
        return risk, None
    return risk, await _save_material(repo, ctx, risk, cmd.expected_version)


async def plan_treatment(
    cmd: PlanTreatment, repo: Repository, ctx: RequestContext
) -> tuple[Risk, UUID, AppendResult]:
    """Plan a treatment of a risk with Annex A controls."""
    risk = await repo.load(Risk, cmd.risk_id)
    treatment_id = ctx.new_id("treatment")
    risk.plan_treatment(
        treatment_id, option=cmd.option, controls=list(cmd.controls), plan=cmd.plan,
        owner=cmd.owner, due=cmd.due,
    )  # fmt: skip
    return risk, treatment_id, await _save_material(repo, ctx, risk, cmd.expected_version)


async def complete_treatment(
    cmd: CompleteTreatment, repo: Repository, ctx: RequestContext
) -> Saved:
    """Record a treatment as done (a retained risk above appetite must be accepted first)."""
    risk, criteria = await repo.load(Risk, cmd.risk_id), await current_criteria(repo)
    accepted = any(a.is_valid(risk, _now()) for a in await acceptances_of(repo, cmd.risk_id))
    risk.complete_treatment(cmd.treatment_id, criteria, accepted)
    if not risk.pending:
        return risk, None
    return risk, await repo.save(risk, ctx, expected_version=cmd.expected_version)


async def assess_residual(
    cmd: AssessResidual, repo: Repository, ctx: RequestContext, sod: SodPolicy
) -> Outcome:
    """Score the risk that remains; bringing it within appetite waits for an approver."""
    risk, criteria = await repo.load(Risk, cmd.risk_id), await current_criteria(repo)
    decision = risk.residual_decision(criteria, cmd.likelihood, cmd.consequence)
    if decision is not None:
        change = {"op": "residual", "likelihood": cmd.likelihood, "consequence": cmd.consequence}
        return await _request(repo, ctx, sod, risk, criteria, decision, change, "",
                              cmd.expected_version)  # fmt: skip
    risk.assess_residual(criteria, cmd.likelihood, cmd.consequence)
    if not risk.pending:
        return risk, None
    return risk, await _save_material(repo, ctx, risk, cmd.expected_version)


async def close_risk(
    cmd: CloseRisk, repo: Repository, ctx: RequestContext, sod: SodPolicy
) -> Outcome:
    """Close a risk that no longer applies; one above appetite waits for an approver."""
    risk, criteria = await repo.load(Risk, cmd.risk_id), await current_criteria(repo)
    decision = risk.close_decision(criteria)
    if decision is not None:
        change = {"op": "close", "reason": cmd.reason}
        return await _request(repo, ctx, sod, risk, criteria, decision, change, cmd.reason,
                              cmd.expected_version)  # fmt: skip
    risk.close(cmd.reason)
    return risk, await repo.save(risk, ctx, expected_version=cmd.expected_version)


async def _request(
    repo: Repository, ctx: RequestContext, sod: SodPolicy, risk: Risk, criteria: RiskCriteria,
    decision: str, change: dict[str, Any], reason: str, expected: int | None,
) -> Requested:  # fmt: skip
    return await approvals.request(
        repo, ctx, sod, RISKS, risk, decision, change, basis=risk.basis(criteria),
        reason=reason, system_id=risk.system_id, expected_version=expected,
    )  # fmt: skip


async def request_acceptance(
    cmd: RequestAcceptance, repo: Repository, ctx: RequestContext
) -> tuple[Acceptance, AppendResult]:
    """Ask for the current risk to be accepted."""
    risk = await repo.load(Risk, cmd.risk_id)
    acc = Acceptance.request(
        ctx.new_id("acceptance"), risk, ctx.actor, justification=cmd.justification,
        expires_at=cmd.expires_at, now=_now(),
    )  # fmt: skip
    return acc, await repo.save(acc, ctx, expected_version=0)


async def decide_acceptance(
    cmd: DecideAcceptance, repo: Repository, ctx: RequestContext, sod: SodPolicy
) -> tuple[Acceptance, AppendResult]:
    """Approve or reject an acceptance request (not by those the policy excludes)."""
    acc = await repo.load(Acceptance, cmd.acceptance_id)
    risk = await repo.load(Risk, acc.accepted_risk_id)
    decide = acc.approve if cmd.approve else acc.reject
    decide(ctx.actor, risk, _now(), cmd.comment, sod)
    return acc, await repo.save(acc, ctx)


async def void_stale_acceptances(
    cmd: VoidStaleAcceptances, repo: Repository, ctx: RequestContext
) -> int:
    """Void the open acceptances of a risk that changed or expired; returns how many."""
    return await _void_stale(repo, ctx, await repo.load(Risk, cmd.risk_id), cmd.now)


async def void_acceptance_if_stale(
    cmd: VoidAcceptanceIfStale, repo: Repository, ctx: RequestContext
) -> int:
    """Void one acceptance when it no longer holds; returns 1 if it did."""
    risk = await repo.load(Risk, cmd.risk_id)
    return await _void_if_stale(repo, ctx, cmd.acceptance_id, risk, cmd.now)


async def expire_acceptances(cmd: ExpireAcceptances, repo: Repository, ctx: RequestContext) -> int:
    """Void the given acceptances that are past their expiry; returns how many."""
    voided = 0
    for acc_id in cmd.acceptance_ids:
        acc = await repo.load(Acceptance, acc_id)
        risk = await repo.load(Risk, acc.accepted_risk_id)
        voided += await _void_if_stale(repo, ctx, acc_id, risk, cmd.now)
    return voided


async def _save_material(
    repo: Repository, ctx: RequestContext, risk: Risk, expected: int | None
) -> AppendResult:
    """Save a material change (the commit point), then void the acceptances it ends."""
    result = await repo.save(risk, ctx, expected_version=expected)
    await _void_stale(repo, ctx, risk, _now())
    return result


async def _void_stale(repo: Repository, ctx: RequestContext, risk: Risk, now: datetime) -> int:
    voided = 0
    for acc_id in await acceptance_ids(repo, risk.id):
        voided += await _void_if_stale(repo, ctx, acc_id, risk, now)
    return voided


async def _void_if_stale(
    repo: Repository, ctx: RequestContext, acceptance_id: UUID, risk: Risk, now: datetime
) -> int:
    """Void one acceptance when it no longer holds, retrying if a decision raced us."""
    for _ in range(3):
        acc = await repo.load(Acceptance, acceptance_id)
        if acc.status not in OPEN:
            return 0
        acc.void_if_stale(risk, now)
        if not acc.pending:
            return 0
        try:
            await repo.save(acc, ctx)
            return 1
        except WrongExpectedVersion:
            continue
    raise WrongExpectedVersion(acc.stream_id, acc.version, -1)


class RiskChanges(ApprovalKind):
    """Risks in four-eyes approvals: lowering to appetite, closing above it."""

    aggregate = Risk
    subject_type = "risk"

    def href(self, subject_id: UUID, change: Mapping[str, Any]) -> str:
        return f"/v1/risks/{subject_id}"

    async def relations(
        self, repo: Repository, agg: ChangeControlled, req: ChangeRequest
    ) -> dict[str, set[str]]:
        risk = cast(Risk, agg)
        owner = await system_owner(repo, risk.system_id) if risk.system_id else None
        return {
            "author": {risk.author} if risk.author else set(), "revisers": set(risk.writers),
            "risk_owner": {risk.owner}, "system_owner": {owner} if owner else set(),
        }  # fmt: skip

    async def carry_out(
        self, repo: Repository, ctx: RequestContext, agg: ChangeControlled, req: ChangeRequest,
        ref: ApprovalRef,
    ) -> AppendResult:  # fmt: skip
        risk = cast(Risk, agg)
        risk.carry_out(req, await current_criteria(repo), ref)
        return await _save_material(repo, ctx, risk, risk.version)


RISKS = RiskChanges()
