"""Evidence command handlers: load, decide, save (one commit point each)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import NAMESPACE_URL, UUID, uuid5

import asyncpg

from services.evidence.domain.audit import NC_KINDS, Audit, Finding
from services.evidence.domain.evidence import Evidence
from services.evidence.domain.nonconformity import Nonconformity
from services.evidence.domain.review import ManagementReview
from shared.domain.errors import Conflict, Invalid, NotFound
from shared.domain.repository import Repository
from shared.kernel.eventstore import AppendResult, StreamNotFound, WrongExpectedVersion
from shared.kernel.requestctx import RequestContext


async def record_evidence(
    repo: Repository, ctx: RequestContext, fields: dict[str, Any]
) -> tuple[Evidence, AppendResult]:
    """Record evidence; with `supersedes`, the older record is marked superseded first."""
    fields = {**fields, "collected_at": fields.get("collected_at") or datetime.now(UTC)}
    evidence = Evidence.record(ctx.new_id("evidence"), **fields)
    old_id = fields.get("supersedes")
    if old_id is not None:
        # Two streams, two appends: the old record first (its version guards against two
        # replacements racing); a retry with the same Idempotency-Key repeats both safely.
        old = await load(repo, Evidence, old_id, "evidence")
        old.supersede(evidence.id)
        await repo.save(old, ctx)
    return evidence, await repo.save(evidence, ctx, expected_version=0)


async def owners_of(pool: asyncpg.Pool, system_ids: list[UUID]) -> dict[UUID, str]:
    """Owners of AI systems, from this service's projection of the registry's events."""
    rows = await pool.fetch(
        "SELECT system_id, owner FROM evidence_system WHERE system_id = ANY($1)", system_ids
    )
    return {r["system_id"]: r["owner"] for r in rows}


async def plan_audit(
    repo: Repository, pool: asyncpg.Pool, ctx: RequestContext, fields: dict[str, Any]
) -> tuple[Audit, AppendResult]:
    """Enter an audit in the programme; refused (403) when an auditor owns a system in scope."""
    owners = await owners_of(pool, fields["system_ids"])
    audit = Audit.plan(ctx.new_id("audit"), owners=owners, **fields)
    return audit, await repo.save(audit, ctx, expected_version=0)


async def raise_finding(
    repo: Repository, pool: asyncpg.Pool, ctx: RequestContext, audit_id: UUID,
    fields: dict[str, Any],
) -> tuple[Audit, Finding, AppendResult, Nonconformity | None]:  # fmt: skip
    """Record a finding; a major/minor NC finding may raise its nonconformity at once."""
    raise_nc, nc_owner = fields.pop("raise_nonconformity"), fields.pop("nc_owner")
    audit = await load(repo, Audit, audit_id, "audit")
    system_id = fields.get("system_id")
    owners = await owners_of(pool, [system_id] if system_id else [])
    finding = audit.raise_finding(
        ctx.new_id("finding"), raised_by=ctx.actor.sub, on_behalf=ctx.actor.has("admin"),
        owners=owners, **fields,
    )  # fmt: skip
    nc = None
    if raise_nc:
        if finding.kind not in NC_KINDS:
            raise Invalid("only a major or minor nonconformity finding raises a nonconformity",
                          code="not_a_nonconformity")  # fmt: skip
        owner = nc_owner or (owners.get(system_id) if system_id else None)
        if not owner:
            raise Invalid("nc_owner is required when the finding names no owned system",
                          code="nc_owner_required")  # fmt: skip
        nc = _nc_from_finding(audit, finding, owner, title=None, description=None)
    result = await repo.save(audit, ctx)
    if nc is not None:
        result = await repo.save(nc, ctx, expected_version=0)
    return audit, finding, result, nc


def finding_nc_id(finding_id: UUID) -> UUID:
    """The one nonconformity a finding can raise (a second attempt conflicts)."""
    return uuid5(NAMESPACE_URL, f"aims:finding-nc:{finding_id}")


def _nc_from_finding(
    audit: Audit, finding: Finding, owner: str, title: str | None, description: str | None
) -> Nonconformity:
    return Nonconformity.raise_(
        finding_nc_id(finding.id), title=title or f"{finding.kind} against {finding.reference}",
        description=description or finding.description, owner=owner, finding_id=finding.id,
        audit_id=audit.id, system_id=finding.system_id, reference=finding.reference,
    )  # fmt: skip


async def complete_audit(
    repo: Repository, ctx: RequestContext, audit_id: UUID, summary: str
) -> tuple[Audit, AppendResult]:
    """Complete an audit with its summary."""
    audit = await load(repo, Audit, audit_id, "audit")
    audit.complete(summary, ctx.actor.sub)
    return audit, await repo.save(audit, ctx)


async def raise_nonconformity(
    repo: Repository, pool: asyncpg.Pool, ctx: RequestContext, fields: dict[str, Any]
) -> tuple[Nonconformity, AppendResult]:
    """Raise a nonconformity directly, or from a major/minor NC finding of an audit."""
    finding_id, audit_id = fields.pop("finding_id"), fields.pop("audit_id")
    if finding_id is None:
        nc = Nonconformity.raise_(ctx.new_id("nc"), audit_id=audit_id, **fields)
        return nc, await repo.save(nc, ctx, expected_version=0)
    if audit_id is None:
        found = await pool.fetchval(
            "SELECT audit_id FROM evidence_finding WHERE id = $1", finding_id
        )
        audit_id = UUID(str(found)) if found else None
    audit = await load(repo, Audit, audit_id, "audit") if audit_id else None
    finding = audit.findings.get(finding_id) if audit else None
    if audit is None or finding is None:
        raise NotFound(f"no finding {finding_id}", code="finding_not_found")
    if finding.kind not in NC_KINDS:
        raise Invalid("only a major or minor nonconformity finding raises a nonconformity",
                      code="not_a_nonconformity")  # fmt: skip
    if fields.get("system_id") not in (None, finding.system_id):
        raise Invalid("system_id differs from the finding's system", code="system_mismatch")
    nc = _nc_from_finding(audit, finding, fields["owner"], fields["title"], fields["description"])
    try:
        return nc, await repo.save(nc, ctx, expected_version=0)
    except WrongExpectedVersion as exc:
        raise Conflict("this finding has already raised a nonconformity",
                       code="finding_has_nonconformity", nc_id=str(nc.id)) from exc  # fmt: skip


async def change_nonconformity(
    repo: Repository, ctx: RequestContext, nc_id: UUID, change: str, args: dict[str, Any],
    expected_version: int | None = None,
) -> tuple[Nonconformity, AppendResult]:  # fmt: skip
    """Apply one step of 10.2 (contain, root cause, actions, close) to a nonconformity."""
    nc = await load(repo, Nonconformity, nc_id, "nonconformity")
    match change:
        case "contain":
            nc.contain(args["action"])
        case "root_cause":
            nc.record_root_cause(args["root_cause"])
        case "add_action":
            nc.add_action(ctx.new_id("action"), **args)
        case "complete_action":
            nc.complete_action(args["action_id"], ctx.actor.sub)
        case "close":
            nc.close(args["effectiveness_review"], args["effective"], ctx.actor.sub)
    return nc, await repo.save(nc, ctx, expected_version=expected_version)


async def record_review(
    repo: Repository, ctx: RequestContext, fields: dict[str, Any]
) -> tuple[ManagementReview, AppendResult]:
    """Record the minutes of a management review."""
    fields["inputs"] = [{k: str(v) for k, v in i.items()} for i in fields["inputs"]]
    fields["actions"] = [{k: "" if v is None else str(v) for k, v in a.items()}
                         for a in fields["actions"]]  # fmt: skip
    review = ManagementReview.record(ctx.new_id("review"), **fields)
    return review, await repo.save(review, ctx, expected_version=0)


async def load(repo: Repository, cls: type, id: UUID, what: str) -> Any:
    try:
        return await repo.load(cls, id)
    except StreamNotFound as exc:
        raise NotFound(f"no {what} {id}", code=f"{what}_not_found") from exc
