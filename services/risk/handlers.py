"""Risk command handlers: load, decide, save (one commit point each).

A material change to a risk (re-assessment, new treatment, residual change) also voids the
acceptances that relied on the earlier risk. Those live in other streams, and the store
appends to one stream per transaction, so the handler appends the change first (the
commit point of the command) and then voids each open acceptance with its own append,
retrying when an approval raced it. If the process dies between the two, the reactor in
`services.risk.reactor` sees the change in the log and appends the missing void; the read
side never waits for it, because an acceptance only counts while the risk has not changed
since the version it names (`Acceptance.is_valid`).
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from services.risk.domain.acceptance import OPEN, Acceptance
from services.risk.domain.criteria import CRITERIA_ID, RiskCriteria
from services.risk.domain.risk import Risk
from services.risk.lookups import acceptance_ids, load, load_or_new
from shared.domain.repository import Repository
from shared.kernel.eventstore import AppendResult, WrongExpectedVersion
from shared.kernel.requestctx import RequestContext

Saved = tuple[Risk, AppendResult | None]


def _now() -> datetime:
    return datetime.now(UTC)


async def current_criteria(repo: Repository) -> RiskCriteria:
    """The criteria in force (the built-in default until the first set)."""
    return await load_or_new(repo, RiskCriteria, CRITERIA_ID)


async def set_criteria(
    repo: Repository, ctx: RequestContext, doc: dict[str, Any], expected: int | None
) -> tuple[RiskCriteria, AppendResult | None]:
    """Adopt a new version of the risk criteria."""
    criteria = await current_criteria(repo)
    criteria.set(doc)
    if not criteria.pending:
        return criteria, None
    return criteria, await repo.save(criteria, ctx, expected_version=expected)


async def identify_risk(
    repo: Repository, ctx: RequestContext, fields: dict[str, Any]
) -> tuple[Risk, AppendResult]:
    """Add a risk to the register, scored with the current criteria."""
    criteria = await current_criteria(repo)
    risk = Risk.identify(ctx.new_id("risk"), criteria, **fields)
    return risk, await repo.save(risk, ctx, expected_version=0)


async def _changed(
    repo: Repository, ctx: RequestContext, risk: Risk, expected: int | None
) -> AppendResult | None:
    """Save a material change, then void the acceptances that no longer hold."""
    if not risk.pending:
        return None
    result = await repo.save(risk, ctx, expected_version=expected)
    await void_stale_acceptances(repo, ctx, risk)
    return result


async def reassess_risk(
    repo: Repository, ctx: RequestContext, risk_id: UUID, fields: dict[str, Any],
    expected: int | None,
) -> Saved:  # fmt: skip
    """Score the inherent risk again (new values or new criteria)."""
    risk, criteria = await load(repo, Risk, risk_id), await current_criteria(repo)
    risk.reassess(criteria, fields.get("likelihood"), fields.get("consequence"),
                  fields.get("reason", ""))  # fmt: skip
    return risk, await _changed(repo, ctx, risk, expected)


async def plan_treatment(
    repo: Repository, ctx: RequestContext, risk_id: UUID, fields: dict[str, Any],
    expected: int | None,
) -> tuple[Risk, UUID, AppendResult]:  # fmt: skip
    """Plan a treatment of a risk with Annex A controls."""
    risk = await load(repo, Risk, risk_id)
    treatment_id = ctx.new_id("treatment")
    risk.plan_treatment(treatment_id, **fields)
    result = await _changed(repo, ctx, risk, expected)
    assert result is not None
    return risk, treatment_id, result


async def complete_treatment(
    repo: Repository, ctx: RequestContext, risk_id: UUID, treatment_id: UUID,
    expected: int | None,
) -> Saved:  # fmt: skip
    """Record a treatment as done (a retained risk above appetite must be accepted first)."""
    risk, criteria = await load(repo, Risk, risk_id), await current_criteria(repo)
    accepted = any(a.is_valid(risk, _now()) for a in await acceptances_of(repo, risk_id))
    risk.complete_treatment(treatment_id, criteria, accepted)
    if not risk.pending:
        return risk, None
    return risk, await repo.save(risk, ctx, expected_version=expected)


async def assess_residual(
    repo: Repository, ctx: RequestContext, risk_id: UUID, fields: dict[str, Any],
    expected: int | None,
) -> Saved:  # fmt: skip
    """Score the risk that remains after treatment."""
    risk, criteria = await load(repo, Risk, risk_id), await current_criteria(repo)
    risk.assess_residual(criteria, fields["likelihood"], fields["consequence"])
    return risk, await _changed(repo, ctx, risk, expected)


async def close_risk(
    repo: Repository, ctx: RequestContext, risk_id: UUID, reason: str, expected: int | None
) -> tuple[Risk, AppendResult]:
    """Close a risk that no longer applies."""
    risk = await load(repo, Risk, risk_id)
    risk.close(reason)
    return risk, await repo.save(risk, ctx, expected_version=expected)


async def acceptances_of(
    repo: Repository, risk_id: UUID, as_of: datetime | None = None
) -> list[Acceptance]:
    """Every acceptance requested for a risk, oldest first."""
    return [
        await load(repo, Acceptance, i, as_of) for i in await acceptance_ids(repo, risk_id, as_of)
    ]


async def void_stale_acceptances(
    repo: Repository, ctx: RequestContext, risk: Risk, now: datetime | None = None
) -> int:
    """Void the open acceptances of a risk that changed or expired; returns how many."""
    voided = 0
    for acc_id in await acceptance_ids(repo, risk.id):
        voided += await void_if_stale(repo, ctx, acc_id, risk, now or _now())
    return voided


async def void_if_stale(
    repo: Repository, ctx: RequestContext, acceptance_id: UUID, risk: Risk, now: datetime
) -> int:
    """Void one acceptance when it no longer holds, retrying if a decision raced us."""
    for _ in range(3):
        acc = await load(repo, Acceptance, acceptance_id)
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


async def request_acceptance(
    repo: Repository, ctx: RequestContext, risk_id: UUID, fields: dict[str, Any]
) -> tuple[Acceptance, AppendResult]:
    """Ask for the current risk to be accepted."""
    risk = await load(repo, Risk, risk_id)
    acc = Acceptance.request(ctx.new_id("acceptance"), risk, ctx.actor, now=_now(), **fields)
    return acc, await repo.save(acc, ctx, expected_version=0)


async def decide_acceptance(
    repo: Repository, ctx: RequestContext, acceptance_id: UUID, approve: bool, comment: str
) -> tuple[Acceptance, AppendResult]:
    """Approve or reject an acceptance request (not by its requester)."""
    acc = await load(repo, Acceptance, acceptance_id)
    assert acc.risk_id is not None
    risk = await load(repo, Risk, acc.risk_id)
    decide = acc.approve if approve else acc.reject
    decide(ctx.actor, risk, _now(), comment)
    return acc, await repo.save(acc, ctx)


async def expire_acceptances(
    repo: Repository, ctx: RequestContext, acceptance_ids: list[UUID], now: datetime
) -> int:
    """Void the given acceptances that are past their expiry; returns how many."""
    voided = 0
    for acc_id in acceptance_ids:
        acc = await load(repo, Acceptance, acc_id)
        assert acc.risk_id is not None
        voided += await void_if_stale(repo, ctx, acc_id, await load(repo, Risk, acc.risk_id), now)
    return voided
