"""Audit, nonconformity and management-review routes (9.2, 10.2, 9.3)."""

from __future__ import annotations

from dataclasses import asdict
from typing import Annotated, Any
from uuid import UUID

from fastapi import APIRouter, Query, Response

from services.evidence import handlers
from services.evidence.deps import Current
from services.evidence.domain.audit import Audit
from services.evidence.domain.nonconformity import Nonconformity
from services.evidence.domain.review import ManagementReview
from services.evidence.lists import page_where
from services.evidence.schemas import (
    AuditCompleteIn,
    AuditIn,
    CloseIn,
    ContainmentIn,
    CorrectiveActionIn,
    FindingIn,
    ManagementReviewIn,
    NonconformityIn,
    RootCauseIn,
)
from shared.http.deps import Ctx, Fresh, IfMatch, Pool, ReadPool, Repo, resource, written
from shared.http.pagination import Page

router = APIRouter(tags=["audits"])
Limit = Annotated[int, Query(ge=1, le=500)]


def audit_out(a: Audit) -> dict[str, Any]:
    return {
        "id": a.id, "title": a.title, "scope": a.scope, "criteria": a.criteria,
        "system_ids": a.system_ids, "auditors": a.auditors, "starts_on": a.starts_on,
        "ends_on": a.ends_on, "status": a.status, "summary": a.summary,
        "findings": [asdict(f) for f in a.findings.values()], "version": a.version,
        "created_at": a.created_at, "updated_at": a.last_event_at,
    }  # fmt: skip


def nc_out(nc: Nonconformity) -> dict[str, Any]:
    skip = {"pending", "actions", "last_event_at"}
    body = {k: v for k, v in asdict(nc).items() if k not in skip}
    return {**body, "corrective_actions": [asdict(a) for a in nc.actions.values()],
            "updated_at": nc.last_event_at}  # fmt: skip


def review_out(r: ManagementReview) -> dict[str, Any]:
    return {k: v for k, v in asdict(r).items() if k != "pending"}


@router.post("/v1/audits", status_code=201, dependencies=[Current])
async def plan_audit(body: AuditIn, ctx: Ctx, repo: Repo, pool: Pool) -> Response:
    """Enter an audit in the programme; 403 when an auditor owns a system in scope."""
    audit, result = await handlers.plan_audit(repo, pool, ctx, body.model_dump())
    return written(result, audit_out(audit), status=201, location=f"/v1/audits/{audit.id}")


@router.get("/v1/audits", response_model=Page, dependencies=[Fresh])
async def list_audits(
    pool: ReadPool, cursor: str | None = None, limit: Limit = 50, status: str | None = None,
    system_id: UUID | None = None,
) -> Page:  # fmt: skip
    """The audit programme, newest first."""
    return await page_where(pool, "evidence_audit", [
        ("status = {}", status), ("{} = ANY(system_ids)", system_id)],
        cursor=cursor, limit=limit)  # fmt: skip


@router.get("/v1/audits/{audit_id}")
async def get_audit(audit_id: UUID, repo: Repo) -> Response:
    """One audit with its findings."""
    audit = await handlers.load(repo, Audit, audit_id, "audit")
    return resource(audit_out(audit), audit.version)


@router.post("/v1/audits/{audit_id}/findings", status_code=201, dependencies=[Current])
async def raise_finding(
    audit_id: UUID, body: FindingIn, ctx: Ctx, repo: Repo, pool: Pool
) -> Response:
    """Record a finding against a clause or Annex A control; may raise its nonconformity."""
    audit, finding, result, nc = await handlers.raise_finding(
        repo, pool, ctx, audit_id, body.model_dump()
    )
    out = {**asdict(finding), "audit_id": audit.id, "nonconformity_id": nc.id if nc else None}
    return written(result, out, status=201, location=f"/v1/audits/{audit.id}")


@router.post("/v1/audits/{audit_id}/complete")
async def complete_audit(audit_id: UUID, body: AuditCompleteIn, ctx: Ctx, repo: Repo) -> Response:
    """Complete the audit with its summary."""
    audit, result = await handlers.complete_audit(repo, ctx, audit_id, body.summary)
    return written(result, audit_out(audit))


@router.post("/v1/nonconformities", status_code=201, dependencies=[Current])
async def raise_nonconformity(body: NonconformityIn, ctx: Ctx, repo: Repo, pool: Pool) -> Response:
    """Raise a nonconformity directly or from a major/minor NC finding."""
    nc, result = await handlers.raise_nonconformity(repo, pool, ctx, body.model_dump())
    return written(result, nc_out(nc), status=201, location=f"/v1/nonconformities/{nc.id}")


@router.get("/v1/nonconformities", response_model=Page, dependencies=[Fresh])
async def list_nonconformities(
    pool: ReadPool, cursor: str | None = None, limit: Limit = 50, status: str | None = None,
    system_id: UUID | None = None, owner: str | None = None,
) -> Page:  # fmt: skip
    """Nonconformities, newest first."""
    return await page_where(pool, "evidence_nc", [
        ("status = {}", status), ("system_id = {}", system_id), ("owner = {}", owner)],
        cursor=cursor, limit=limit)  # fmt: skip


@router.get("/v1/nonconformities/{nc_id}")
async def get_nonconformity(nc_id: UUID, repo: Repo) -> Response:
    """One nonconformity with its containment, root cause and corrective actions."""
    nc = await handlers.load(repo, Nonconformity, nc_id, "nonconformity")
    return resource(nc_out(nc), nc.version)


async def _change(
    repo: Any, ctx: Any, nc_id: UUID, change: str, args: dict[str, Any], expected: int | None,
    status: int = 200,
) -> Response:  # fmt: skip
    nc, result = await handlers.change_nonconformity(repo, ctx, nc_id, change, args, expected)
    return written(result, nc_out(nc), status=status)


@router.post("/v1/nonconformities/{nc_id}/containment")
async def contain(
    nc_id: UUID, body: ContainmentIn, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Record a containment action."""
    return await _change(repo, ctx, nc_id, "contain", body.model_dump(), expected)


@router.post("/v1/nonconformities/{nc_id}/root-cause")
async def root_cause(
    nc_id: UUID, body: RootCauseIn, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Record the root cause."""
    return await _change(repo, ctx, nc_id, "root_cause", body.model_dump(), expected)


@router.post("/v1/nonconformities/{nc_id}/corrective-actions", status_code=201)
async def add_corrective_action(
    nc_id: UUID, body: CorrectiveActionIn, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Plan a corrective action with its owner and due date."""
    return await _change(repo, ctx, nc_id, "add_action", body.model_dump(), expected, 201)


@router.post("/v1/nonconformities/{nc_id}/corrective-actions/{action_id}/complete")
async def complete_corrective_action(
    nc_id: UUID, action_id: UUID, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Mark a corrective action as done."""
    return await _change(repo, ctx, nc_id, "complete_action", {"action_id": action_id}, expected)


@router.post("/v1/nonconformities/{nc_id}/close")
async def close_nonconformity(
    nc_id: UUID, body: CloseIn, ctx: Ctx, repo: Repo, expected: IfMatch
) -> Response:
    """Close with an effectiveness review, by someone other than the owner (403 otherwise)."""
    return await _change(repo, ctx, nc_id, "close", body.model_dump(), expected)


@router.post("/v1/management-reviews", status_code=201)
async def record_review(body: ManagementReviewIn, ctx: Ctx, repo: Repo) -> Response:
    """Record the minutes of a management review."""
    review, result = await handlers.record_review(repo, ctx, body.model_dump(mode="json"))
    return written(result, review_out(review), status=201,
                   location=f"/v1/management-reviews/{review.id}")  # fmt: skip


@router.get("/v1/management-reviews", response_model=Page, dependencies=[Fresh])
async def list_reviews(pool: ReadPool, cursor: str | None = None, limit: Limit = 50) -> Page:
    """Management reviews, newest first."""
    return await page_where(pool, "evidence_review", [], cursor=cursor, limit=limit)


@router.get("/v1/management-reviews/{review_id}")
async def get_review(review_id: UUID, repo: Repo) -> Response:
    """The minutes of one management review."""
    review = await handlers.load(repo, ManagementReview, review_id, "review")
    return resource(review_out(review), review.version)
