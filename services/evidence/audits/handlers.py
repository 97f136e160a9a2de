"""Audit, nonconformity and management-review handlers: load, decide, save."""

from __future__ import annotations

from typing import TypeVar
from uuid import NAMESPACE_URL, UUID, uuid5

import asyncpg

from services.evidence.audits import queries
from services.evidence.audits.commands import (
    AddCorrectiveAction,
    CloseNonconformity,
    CompleteAudit,
    CompleteCorrectiveAction,
    ContainNonconformity,
    PlanAudit,
    RaiseFinding,
    RaiseNonconformity,
    RecordManagementReview,
    RecordRootCause,
)
from services.evidence.audits.domain.audit import NC_KINDS, Audit, Finding
from services.evidence.audits.domain.nonconformity import Nonconformity
from services.evidence.audits.domain.review import ManagementReview
from shared.domain.aggregate import Aggregate
from shared.domain.errors import Conflict, Invalid, NotFound
from shared.domain.repository import Repository
from shared.domain.sod import SodPolicy
from shared.kernel.eventstore import AppendResult, StreamNotFound, WrongExpectedVersion
from shared.kernel.requestctx import RequestContext

A = TypeVar("A", bound=Aggregate)


async def plan_audit(
    cmd: PlanAudit, repo: Repository, pool: asyncpg.Pool, ctx: RequestContext
) -> tuple[Audit, AppendResult]:
    """Enter an audit in the programme; refused (403) when an auditor owns a system in scope."""
    owners = await queries.owners_of(pool, cmd.system_ids)
    audit = Audit.plan(
        ctx.new_id("audit"), title=cmd.title, scope=cmd.scope, criteria=cmd.criteria,
        system_ids=cmd.system_ids, auditors=cmd.auditors, starts_on=cmd.starts_on,
        ends_on=cmd.ends_on, owners=owners,
    )  # fmt: skip
    return audit, await repo.save(audit, ctx, expected_version=0)


async def raise_finding(
    cmd: RaiseFinding, repo: Repository, pool: asyncpg.Pool, ctx: RequestContext
) -> tuple[Audit, Finding, AppendResult, Nonconformity | None]:
    """Record a finding; a major/minor NC finding may raise its nonconformity at once."""
    audit = await load(repo, Audit, cmd.audit_id, "audit")
    owners = await queries.owners_of(pool, [cmd.system_id] if cmd.system_id else [])
    finding = audit.raise_finding(
        ctx.new_id("finding"), raised_by=ctx.actor.sub, on_behalf=ctx.actor.has("admin"),
        owners=owners, kind=cmd.kind, reference=cmd.reference, description=cmd.description,
        system_id=cmd.system_id,
    )  # fmt: skip
    nc = None
    if cmd.raise_nonconformity:
        if finding.kind not in NC_KINDS:
            raise Invalid("only a major or minor nonconformity finding raises a nonconformity",
                          code="not_a_nonconformity")  # fmt: skip
        owner = cmd.nc_owner or (owners.get(cmd.system_id) if cmd.system_id else None)
        if not owner:
            raise Invalid("nc_owner is required when the finding names no owned system",
                          code="nc_owner_required")  # fmt: skip
        nc = _nc_from_finding(audit, finding, owner, None, None, ctx.actor.sub)
    result = await repo.save(audit, ctx)
    if nc is not None:
        result = await repo.save(nc, ctx, expected_version=0)
    return audit, finding, result, nc


def finding_nc_id(finding_id: UUID) -> UUID:
    """The one nonconformity a finding can raise (a second attempt conflicts)."""
    return uuid5(NAMESPACE_URL, f"aims:finding-nc:{finding_id}")


def _nc_from_finding(
    audit: Audit, finding: Finding, owner: str, title: str | None, description: str | None,
    raised_by: str,
) -> Nonconformity:  # fmt: skip
    return Nonconformity.raise_(
        finding_nc_id(finding.id), title=title or f"{finding.kind} against {finding.reference}",
        description=description or finding.description, owner=owner, finding_id=finding.id,
        audit_id=audit.id, system_id=finding.system_id, reference=finding.reference,
        raised_by=raised_by,
    )  # fmt: skip


async def complete_audit(
    cmd: CompleteAudit, repo: Repository, ctx: RequestContext
) -> tuple[Audit, AppendResult]:
    """Complete an audit with its summary."""
    audit = await load(repo, Audit, cmd.audit_id, "audit")
    audit.complete(cmd.summary, ctx.actor.sub)
    return audit, await repo.save(audit, ctx)


async def raise_nonconformity(
    cmd: RaiseNonconformity, repo: Repository, pool: asyncpg.Pool, ctx: RequestContext
) -> tuple[Nonconformity, AppendResult]:
    """Raise a nonconformity directly, or from a major/minor NC finding of an audit."""
    if cmd.finding_id is None:
        nc = Nonconformity.raise_(
            ctx.new_id("nc"), title=cmd.title, description=cmd.description, owner=cmd.owner,
            audit_id=cmd.audit_id, system_id=cmd.system_id, reference=cmd.reference,
            raised_by=ctx.actor.sub,
        )  # fmt: skip
        return nc, await repo.save(nc, ctx, expected_version=0)
    audit_id = cmd.audit_id or await queries.audit_of_finding(pool, cmd.finding_id)
    audit = await load(repo, Audit, audit_id, "audit") if audit_id else None
    finding = audit.findings.get(cmd.finding_id) if audit else None
    if audit is None or finding is None:
        raise NotFound(f"no finding {cmd.finding_id}", code="finding_not_found")
    if finding.kind not in NC_KINDS:
        raise Invalid("only a major or minor nonconformity finding raises a nonconformity",
                      code="not_a_nonconformity")  # fmt: skip
    if cmd.system_id not in (None, finding.system_id):
        raise Invalid("system_id differs from the finding's system", code="system_mismatch")
    nc = _nc_from_finding(audit, finding, cmd.owner, cmd.title, cmd.description, ctx.actor.sub)
    try:
        return nc, await repo.save(nc, ctx, expected_version=0)
    except WrongExpectedVersion as exc:
        raise Conflict("this finding has already raised a nonconformity",
                       code="finding_has_nonconformity", nc_id=str(nc.id)) from exc  # fmt: skip


async def contain_nonconformity(
    cmd: ContainNonconformity, repo: Repository, ctx: RequestContext
) -> tuple[Nonconformity, AppendResult]:
    """Record a containment action (10.2 a)."""
    nc = await load(repo, Nonconformity, cmd.nc_id, "nonconformity")
    nc.contain(cmd.action)
    return nc, await repo.save(nc, ctx, expected_version=cmd.expected_version)


async def record_root_cause(
    cmd: RecordRootCause, repo: Repository, ctx: RequestContext
) -> tuple[Nonconformity, AppendResult]:
    """Record why the nonconformity happened (10.2 b)."""
    nc = await load(repo, Nonconformity, cmd.nc_id, "nonconformity")
    nc.record_root_cause(cmd.root_cause)
    return nc, await repo.save(nc, ctx, expected_version=cmd.expected_version)


async def add_corrective_action(
    cmd: AddCorrectiveAction, repo: Repository, ctx: RequestContext
) -> tuple[Nonconformity, AppendResult]:
    """Plan a corrective action with its owner and due date (10.2 c)."""
    nc = await load(repo, Nonconformity, cmd.nc_id, "nonconformity")
    nc.add_action(ctx.new_id("action"), cmd.description, cmd.owner, cmd.due)
    return nc, await repo.save(nc, ctx, expected_version=cmd.expected_version)


async def complete_corrective_action(
    cmd: CompleteCorrectiveAction, repo: Repository, ctx: RequestContext
) -> tuple[Nonconformity, AppendResult]:
    """Mark a corrective action as done."""
    nc = await load(repo, Nonconformity, cmd.nc_id, "nonconformity")
    nc.complete_action(cmd.action_id, ctx.actor.sub)
    return nc, await repo.save(nc, ctx, expected_version=cmd.expected_version)


async def close_nonconformity(
    cmd: CloseNonconformity, repo: Repository, ctx: RequestContext, sod: SodPolicy
) -> tuple[Nonconformity, AppendResult]:
    """Close: root cause, actions done, effectiveness review; not by raiser/owners (10.2 d-e)."""
    nc = await load(repo, Nonconformity, cmd.nc_id, "nonconformity")
    nc.close(cmd.effectiveness_review, cmd.effective, ctx.actor.sub, sod)
    return nc, await repo.save(nc, ctx, expected_version=cmd.expected_version)


async def record_review(
    cmd: RecordManagementReview, repo: Repository, ctx: RequestContext
) -> tuple[ManagementReview, AppendResult]:
    """Record the minutes of a management review."""
    review = ManagementReview.record(
        ctx.new_id("review"), title=cmd.title, held_on=cmd.held_on, attendees=cmd.attendees,
        inputs=cmd.inputs, decisions=cmd.decisions, actions=cmd.actions,
        system_ids=cmd.system_ids,
    )  # fmt: skip
    return review, await repo.save(review, ctx, expected_version=0)


async def load(repo: Repository, cls: type[A], id: UUID, what: str) -> A:
    """The aggregate, or a 404 that names what is missing (`<what>_not_found`)."""
    try:
        return await repo.load(cls, id)
    except StreamNotFound as exc:
        raise NotFound(f"no {what} {id}", code=f"{what}_not_found") from exc
